#include "export/fleet_text.hpp"

#include "common/json_fields.hpp"
#include "export/prometheus_family.hpp"

namespace scanscope {

namespace {

void put(json_writer& w, uint64_t v) { w.Uint64(v); }
void put(json_writer& w, double v) { w.Double(v); }

}  // namespace

void write_fleet(json_writer& w, const fleet_delivery& d) {
  w.Key("fleet");
  if (!d.enabled) {
    w.Null();
    return;
  }
  w.StartObject();
  put_string(w, "clickhouse", d.target.c_str());
  put_string(w, "sensor", d.sensor.c_str());
#define SCANSCOPE_FLEET_JSON(field, type, metric, kind, help) \
  w.Key(#field);                                              \
  put(w, d.field);
  SCANSCOPE_FLEET_NUMBERS(SCANSCOPE_FLEET_JSON)
#undef SCANSCOPE_FLEET_JSON
  w.Key("last_error");
  d.last_error.empty() ? w.Null() : w.String(d.last_error.c_str());
  w.EndObject();
}

void append_fleet_metrics(std::string& out, const fleet_delivery& d) {
  if (!d.enabled) {
    return;
  }
#define SCANSCOPE_FLEET_METRIC(field, type, metric, kind, help) \
  {                                                             \
    family_writer f(out, metric, kind, help);                   \
    f.sample("", d.field);                                      \
  }
  SCANSCOPE_FLEET_NUMBERS(SCANSCOPE_FLEET_METRIC)
#undef SCANSCOPE_FLEET_METRIC
}

}  // namespace scanscope
