#include "export/prometheus_conversation.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "export/prometheus_family.hpp"
#include "packet/prefix_set.hpp"

namespace scanscope {

namespace {

// The (host, port) pairs listed one by one; the per-port counts cover them all.
constexpr size_t exposure_series_limit = 100;

/** One family over every (port, tool) row that has seen anything. */
template <class Value>
void row_family(std::string& out, const run_report& r, const watched_ports& ports,
                counter_family family, Value value) {
  const auto seen = [](const conversation_row_total& row) {
    return row.syns.packets != 0 || row.handshakes.sources != 0 || row.two_phase.packets != 0 ||
           row.synacks_withheld != 0;
  };
  const auto tool_label = [](size_t tool) {
    return label("tool", scan_tool_name(static_cast<scan_tool>(tool)));
  };
  port_value_family(out, family, ports, r.traffic.conversation.rows, scan_tool_count, seen,
                    tool_label, value);
}

/** One family over every (port, step) an emulated conversation reached. */
template <class Value>
void step_family(std::string& out, const run_report& r, const watched_ports& ports,
                 counter_family family, Value value) {
  const auto seen = [](const source_total& t) { return t.packets != 0; };
  const auto step_label = [](size_t step) { return label("step", emulated_step_names[step]); };
  port_value_family(out, family, ports, r.traffic.conversation.steps, emulated_step_count, seen,
                    step_label, value);
}

}  // namespace

void write_conversation_families(std::string& out, const run_report& r,
                                 const watched_ports& ports) {
  const conversation_totals& c = r.traffic.conversation;
  const std::pair<const char*, const traffic_total*> directions[] = {{"inbound", &c.inbound},
                                                                     {"outbound", &c.outbound},
                                                                     {"transit", &c.transit},
                                                                     {"reply", &c.reply}};
  for (const auto& [family, field] :
       {std::pair{counter_family::direction_frames_total, &traffic_total::packets},
        std::pair{counter_family::direction_bytes_total, &traffic_total::bytes}}) {
    family_writer f(out, family);
    for (const auto& [direction, total] : directions) {
      f.sample(label("direction", direction), total->*field);
    }
  }
  for (size_t i = 0; i < conversation_counter_count; ++i) {
    const auto k = static_cast<conversation_counter>(i);
    const std::string name = std::string("scanscope_") + conversation_counter_name(k) + "_total";
    const std::string help = std::string(conversation_counter_help(k)) + ".";
    family_writer f(out, name.c_str(), "counter", help.c_str());
    f.sample(std::string(), c.scalars[i]);
  }
  using row = conversation_row_total;
  row_family(out, r, ports, counter_family::conversation_syns_total,
             [](const row& x) { return x.syns.packets; });
  row_family(out, r, ports, counter_family::conversation_syn_sources,
             [](const row& x) { return x.syns.sources; });
  row_family(out, r, ports, counter_family::conversation_handshake_sources,
             [](const row& x) { return x.handshakes.sources; });
  row_family(out, r, ports, counter_family::conversation_payload_sources,
             [](const row& x) { return x.payloads.sources; });
  row_family(out, r, ports, counter_family::conversation_payloads_total,
             [](const row& x) { return x.payloads.packets; });
  row_family(out, r, ports, counter_family::conversation_two_phase_sources,
             [](const row& x) { return x.two_phase.sources; });
  row_family(out, r, ports, counter_family::conversation_synacks_sent_total,
             [](const row& x) { return x.synacks_sent; });
  row_family(out, r, ports, counter_family::conversation_synacks_withheld_total,
             [](const row& x) { return x.synacks_withheld; });

  step_family(out, r, ports, counter_family::conversation_step_requests_total,
              [](const source_total& x) { return x.packets; });
  step_family(out, r, ports, counter_family::conversation_step_sources,
              [](const source_total& x) { return x.sources; });

  {
    std::array<uint64_t, indicator_kind_count> values{};
    for (const indicator_total& i : c.indicators) {
      ++values[static_cast<size_t>(i.kind)];
    }
    family_writer f(out, counter_family::indicator_values);
    for (size_t k = 0; k < indicator_kind_count; ++k) {
      if (values[k] != 0) {
        f.sample(label("kind", indicator_kind_names[k]), values[k]);
      }
    }
  }

  std::map<uint16_t, uint64_t> hosts_by_port;
  for (const exposure_total& e : c.exposure) {
    ++hosts_by_port[e.port];
  }
  {
    family_writer f(out, counter_family::exposed_hosts);
    for (const auto& [port, n] : hosts_by_port) {
      f.sample(label("port", std::to_string(port)) + "," + label("protocol", "tcp"), n);
    }
  }
  std::vector<const exposure_total*> busiest;
  for (const exposure_total& e : c.exposure) {
    busiest.push_back(&e);
  }
  const size_t keep = std::min(exposure_series_limit, busiest.size());
  std::partial_sort(busiest.begin(), busiest.begin() + keep, busiest.end(),
                    [](const exposure_total* a, const exposure_total* b) {
                      return a->sources > b->sources;
                    });
  family_writer f(out, counter_family::exposure_sources);
  for (size_t i = 0; i < keep; ++i) {
    f.sample(label("host", format_address(busiest[i]->host)) + "," +
                 label("port", std::to_string(busiest[i]->port)) + "," + label("protocol", "tcp"),
             busiest[i]->sources);
  }
}

}  // namespace scanscope
