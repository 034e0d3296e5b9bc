#include "runtime/telemetry.hpp"

#include <rte_telemetry.h>

#include <mutex>

namespace scanscope {

namespace {

/** What the commands read; written by the main lcore, read on the telemetry thread. */
struct published {
  std::mutex mutex;
  std::map<std::string, uint64_t> totals;
  std::map<std::string, uint64_t> ports;
  std::map<std::string, uint64_t> tools;
};

published& figures() {
  static published p;
  return p;
}

int answer(rte_tel_data* d, const std::map<std::string, uint64_t>& values) {
  rte_tel_data_start_dict(d);
  for (const auto& [name, value] : values) {
    rte_tel_data_add_dict_u64(d, name.c_str(), value);
  }
  return 0;
}

int totals_cmd(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(figures().mutex);
  return answer(d, figures().totals);
}

int ports_cmd(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(figures().mutex);
  return answer(d, figures().ports);
}

int tools_cmd(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(figures().mutex);
  return answer(d, figures().tools);
}

}  // namespace

void register_telemetry() {
  rte_telemetry_register_cmd("/scanscope/totals", totals_cmd,
                             "Frames, bytes, malformed frames, sources, surges, campaigns. "
                             "No parameters.");
  rte_telemetry_register_cmd("/scanscope/ports", ports_cmd,
                             "Frames per watched destination port. No parameters.");
  rte_telemetry_register_cmd("/scanscope/tools", tools_cmd,
                             "Frames per scanning tool the headers name. No parameters.");
}

void publish_telemetry(const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  std::map<std::string, uint64_t> totals = {
      {"frames", t.total.packets},
      {"bytes", t.total.bytes},
      {"malformed", t.malformed()},
      {"sources_live", t.sources.live},
      {"sources_evicted", t.sources.evicted},
      {"payload_bytes_scanned", t.payload.bytes},
      {"surges", r.series ? r.series->surges().size() : 0},
      {"campaigns", r.series ? r.series->campaigns().campaigns().size() : 0},
      {"campaigns_active", 0},
  };
  if (r.series != nullptr) {
    for (const campaign& c : r.series->campaigns().campaigns()) {
      totals["campaigns_active"] += c.end < 0;
    }
  }
  std::map<std::string, uint64_t> by_port;
  for (uint16_t i = 1; i <= ports.size() && i < t.watched.size(); ++i) {
    by_port[std::to_string(ports.at(i).port) + "/" + transport_name(ports.at(i).proto)] =
        t.watched[i].packets;
  }
  by_port["other"] = t.watched.empty() ? 0 : t.watched[watched_ports::other_index].packets;
  std::map<std::string, uint64_t> by_tool;
  for (size_t k = 0; k < scan_tool_count; ++k) {
    by_tool[scan_tool_name(static_cast<scan_tool>(k))] =
        t.in_total(series_key::kind::tool)[k].packets;
  }
  std::lock_guard<std::mutex> lock(figures().mutex);
  figures().totals = std::move(totals);
  figures().ports = std::move(by_port);
  figures().tools = std::move(by_tool);
}

}  // namespace scanscope
