#include "export/store_text.hpp"

#include "common/json_fields.hpp"
#include "export/prometheus_family.hpp"

namespace scanscope {

void write_source_store(json_writer& w, const store_summary& s) {
  w.Key("source_store");
  if (!s.enabled) {
    w.Null();
    return;
  }
  w.StartObject();
  w.Key("path");
  s.path.empty() ? w.Null() : w.String(s.path.c_str());
#define SCANSCOPE_STORE_JSON(field, metric, kind, help) \
  w.Key(#field);                                        \
  w.Uint64(s.field);
  SCANSCOPE_STORE_NUMBERS(SCANSCOPE_STORE_JSON)
#undef SCANSCOPE_STORE_JSON
  w.Key("first_error");
  s.first_error.empty() ? w.Null() : w.String(s.first_error.c_str());
  w.EndObject();
}

void write_events(json_writer& w, const event_summary& e) {
  w.Key("events");
  if (!e.enabled) {
    w.Null();
    return;
  }
  w.StartObject();
  w.Key("path");
  e.path.empty() ? w.Null() : w.String(e.path.c_str());
  w.Key("syslog");
  e.syslog.empty() ? w.Null() : w.String(e.syslog.c_str());
#define SCANSCOPE_EVENT_JSON(field, metric, kind, help) \
  w.Key(#field);                                        \
  w.Uint64(e.field);
  SCANSCOPE_EVENT_NUMBERS(SCANSCOPE_EVENT_JSON)
#undef SCANSCOPE_EVENT_JSON
  w.EndObject();
}

void append_event_metrics(std::string& out, const event_summary& e) {
  if (!e.enabled) {
    return;
  }
#define SCANSCOPE_EVENT_METRIC(field, metric, kind, help) \
  {                                                       \
    family_writer f(out, metric, kind, help);             \
    f.sample("", e.field);                                \
  }
  SCANSCOPE_EVENT_NUMBERS(SCANSCOPE_EVENT_METRIC)
#undef SCANSCOPE_EVENT_METRIC
}

void append_store_metrics(std::string& out, const store_summary& s) {
  if (!s.enabled) {
    return;
  }
#define SCANSCOPE_STORE_METRIC(field, metric, kind, help) \
  {                                                       \
    family_writer f(out, metric, kind, help);             \
    f.sample("", s.field);                                \
  }
  SCANSCOPE_STORE_NUMBERS(SCANSCOPE_STORE_METRIC)
#undef SCANSCOPE_STORE_METRIC
}

}  // namespace scanscope
