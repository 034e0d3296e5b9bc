#include "export/counter_catalogue.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

#include "converse/conversation_counters.hpp"
#include "export/fleet_delivery.hpp"
#include "export/event_summary.hpp"
#include "export/store_summary.hpp"
#include "stats/counter_families.hpp"

namespace scanscope {

namespace {

std::vector<catalogued_family> make_catalogue() {
  std::vector<catalogued_family> all;
  for (size_t i = 0; i < counter_family_count; ++i) {
    const family_info& f = family(static_cast<counter_family>(i));
    all.push_back({f.metric, f.kind, f.labels, f.report, f.when, f.help});
  }
  for (size_t i = 0; i < conversation_counter_count; ++i) {
    const auto k = static_cast<conversation_counter>(i);
    const std::string name = conversation_counter_name(k);
    // As export/prometheus_conversation.cpp names them.
    all.push_back({"scanscope_" + name + "_total", "counter", "", "conversation.counters." + name,
                   "always", std::string(conversation_counter_help(k)) + "."});
  }
#define SCANSCOPE_FLEET_ENTRY(field, type, metric, kind, help) \
  all.push_back({metric, kind, "", "fleet." #field, "clickhouse", help});
  SCANSCOPE_FLEET_NUMBERS(SCANSCOPE_FLEET_ENTRY)
#undef SCANSCOPE_FLEET_ENTRY
#define SCANSCOPE_STORE_ENTRY(field, metric, kind, help) \
  all.push_back({metric, kind, "", "source_store." #field, "source store", help});
  SCANSCOPE_STORE_NUMBERS(SCANSCOPE_STORE_ENTRY)
#undef SCANSCOPE_STORE_ENTRY
#define SCANSCOPE_EVENT_ENTRY(field, metric, kind, help) \
  all.push_back({metric, kind, "", "events." #field, "events", help});
  SCANSCOPE_EVENT_NUMBERS(SCANSCOPE_EVENT_ENTRY)
#undef SCANSCOPE_EVENT_ENTRY
  return all;
}

}  // namespace

const std::vector<catalogued_family>& counter_catalogue() {
  static const std::vector<catalogued_family> all = make_catalogue();
  return all;
}

std::string counter_catalogue_json() {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const catalogued_family& f : counter_catalogue()) {
    const std::pair<const char*, const std::string*> fields[] = {
        {"metric", &f.metric}, {"kind", &f.kind}, {"labels", &f.labels},
        {"report", &f.report}, {"when", &f.when}, {"help", &f.help}};
    w.StartObject();
    for (const auto& [key, value] : fields) {
      w.Key(key);
      w.String(value->c_str());
    }
    w.EndObject();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace scanscope
