#include "export/json_conversation.hpp"

#include "common/json_fields.hpp"
#include "export/summary_table.hpp"
#include "packet/prefix_set.hpp"
#include "geo/unknown_country.hpp"

namespace scanscope {

namespace {

/** `"key": {"packets": n, "<second>": m}`. */
void write_two(json_writer& w, const char* key, uint64_t packets, const char* second,
               uint64_t value) {
  w.Key(key);
  w.StartObject();
  put_uint(w, "packets", packets);
  w.Key(second);
  w.Uint64(value);
  w.EndObject();
}

void write_counts(json_writer& w, const char* key, const source_total& t) {
  write_two(w, key, t.packets, "sources", t.sources);
}

void write_direction(json_writer& w, const char* key, const traffic_total& t) {
  write_two(w, key, t.packets, "bytes", t.bytes);
}

bool row_seen(const conversation_row_total& row) {
  return row.syns.packets != 0 || row.handshakes.sources != 0 || row.two_phase.packets != 0 ||
         row.synacks_withheld != 0;
}

void write_row(json_writer& w, size_t tool, const conversation_row_total& row) {
  w.StartObject();
  put_string(w, "tool", scan_tool_name(static_cast<scan_tool>(tool)));
  write_counts(w, "syns", row.syns);
  write_counts(w, "handshakes", row.handshakes);
  write_counts(w, "payloads", row.payloads);
  // Of the sources that completed a handshake, the share that sent a payload after it.
  w.Key("payload_share");
  if (row.handshakes.sources == 0) {
    w.Null();
  } else {
    w.Double(static_cast<double>(row.payloads.sources) /
             static_cast<double>(row.handshakes.sources));
  }
  write_counts(w, "two_phase", row.two_phase);
  put_uint(w, "synacks_sent", row.synacks_sent);
  put_uint(w, "synacks_withheld", row.synacks_withheld);
  w.EndObject();
}

/** How many segments and sources reached each step of an emulated protocol on the port. */
void write_steps(json_writer& w, const conversation_totals& c, size_t index) {
  w.Key("steps");
  w.StartArray();
  for (size_t step = 0; index < c.steps.size() && step < emulated_step_count; ++step) {
    const source_total& t = c.steps[index][step];
    if (t.packets == 0) {
      continue;
    }
    w.StartObject();
    put_string(w, "step", emulated_step_names[step]);
    put_uint(w, "packets", t.packets);
    put_uint(w, "sources", t.sources);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

void write_exposure(json_writer& w, const run_report& r, uint16_t port) {
  w.Key("exposure");
  w.StartArray();
  for (const exposure_total& e : r.traffic.conversation.exposure) {
    if (port != 0 && e.port != port) {
      continue;
    }
    w.StartObject();
    put_string(w, "host", format_address(e.host).c_str());
    put_uint(w, "port", e.port);
    put_string(w, "first_seen", format_utc(e.first_seen_ns).c_str());
    put_string(w, "last_seen", format_utc(e.last_seen_ns).c_str());
    put_uint(w, "answers", e.answers);
    put_uint(w, "sources", e.sources);
    w.Key("tools");
    w.StartArray();
    for (size_t t = 0; t < scan_tool_count; ++t) {
      if (e.tools & (1u << t)) {
        w.String(scan_tool_name(static_cast<scan_tool>(t)));
      }
    }
    w.EndArray();
    w.Key("countries");
    w.StartArray();
    for (uint8_t c : e.countries) {
      w.String(c < r.country_codes.size() ? r.country_codes[c].c_str() : unknown_country_code);
    }
    w.EndArray();
    // Rules that hit on a connection the host answered: it was asked for that.
    w.Key("signatures");
    w.StartArray();
    for (uint16_t rule : e.rules) {
      w.String(rule < r.rules.size() ? r.rules[rule].name.c_str() : "?");
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

void write_indicators(json_writer& w, const run_report& r, const indicator_filter& f) {
  w.Key("indicators");
  w.StartArray();
  for (const indicator_total& i : r.traffic.conversation.indicators) {
    if ((!f.any_kind && i.kind != f.kind) || (f.port != 0 && i.port != f.port) ||
        i.last_seen_ns < f.since_ns) {
      continue;
    }
    w.StartObject();
    put_string(w, "kind", name_in(indicator_kind_names, static_cast<size_t>(i.kind)));
    put_string(w, "value", i.value.c_str());
    put_uint(w, "port", i.port);
    put_uint(w, "count", i.count);
    put_uint(w, "sources", i.sources);
    put_string(w, "first_seen", format_utc(i.first_seen_ns).c_str());
    put_string(w, "last_seen", format_utc(i.last_seen_ns).c_str());
    put_string(w, "first_source", format_address(i.first_source).c_str());
    w.EndObject();
  }
  w.EndArray();
}

void write_conversation(json_writer& w, const run_report& r, const watched_ports& ports) {
  const conversation_totals& c = r.traffic.conversation;
  w.Key("conversation");
  w.StartObject();
  put_bool(w, "monitored", c.monitored);
  put_bool(w, "responding", c.responding);
  w.Key("direction");
  w.StartObject();
  write_direction(w, "inbound", c.inbound);
  write_direction(w, "outbound", c.outbound);
  write_direction(w, "transit", c.transit);
  write_direction(w, "reply", c.reply);
  w.EndObject();
  put_counts(
      w, "counters", conversation_counter_count,
      [](size_t i) { return conversation_counter_name(static_cast<conversation_counter>(i)); },
      [&](size_t i) { return c.scalars[i]; });
  w.Key("ports");
  w.StartArray();
  for (size_t index = 0; index < c.rows.size(); ++index) {
    bool any = false;
    for (const conversation_row_total& row : c.rows[index]) {
      any = any || row_seen(row);
    }
    for (size_t step = 0; index < c.steps.size() && step < emulated_step_count; ++step) {
      any = any || c.steps[index][step].packets != 0;  // read from what passed (no responder)
    }
    if (!any) {
      continue;
    }
    w.StartObject();
    write_port(w, ports, static_cast<uint16_t>(index));
    w.Key("tools");
    w.StartArray();
    for (size_t tool = 0; tool < scan_tool_count; ++tool) {
      if (row_seen(c.rows[index][tool])) {
        write_row(w, tool, c.rows[index][tool]);
      }
    }
    w.EndArray();
    write_steps(w, c, index);
    w.EndObject();
  }
  w.EndArray();
  write_exposure(w, r);
  write_indicators(w, r);
  w.EndObject();
}

}  // namespace scanscope
