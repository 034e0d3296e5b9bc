#include "export/json_campaigns.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/json_fields.hpp"
#include "export/campaign_text.hpp"
#include "export/summary_table.hpp"

namespace scanscope {

namespace {

/** How many drivers of each kind a campaign lists. */
constexpr size_t top_drivers = 5;

void write_time(json_writer& w, const run_report& r, const char* key, int64_t bucket) {
  w.Key(key);
  if (bucket < 0) {
    w.Null();
  } else {
    w.String(format_utc(static_cast<uint64_t>(bucket) * r.bucket_ns).c_str());
  }
}

/** `key: [[name, packets], ...]`, most packets first. */
void write_top(json_writer& w, const run_report& r, const char* key, campaign_scope as,
               uint16_t port, const std::map<uint32_t, uint64_t>& counts) {
  std::vector<std::pair<uint32_t, uint64_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  v.resize(std::min(v.size(), top_drivers));
  w.Key(key);
  w.StartArray();
  for (const auto& [index, packets] : v) {
    w.StartArray();
    w.String(scope_value(r, as, port, index).c_str());
    w.Uint64(packets);
    w.EndArray();
  }
  w.EndArray();
}

}  // namespace

namespace {

/** One pivot row's own fields: what it is, under the key its list names it by. */
void write_pivot_what(json_writer& w, const campaign_pivot& row) {
  if (row.kind == "conversation") {
    put_string(w, "step", row.name.c_str());
  } else if (row.kind == "indicator") {
    // Stored as "kind value" (docs/sources.md); a kind alone when its text was not kept.
    const size_t space = row.name.find(' ');
    put_string(w, "kind", row.name.substr(0, space).c_str());
    if (space != std::string::npos) {
      put_string(w, "value", row.name.substr(space + 1).c_str());
    }
  } else if (!row.name.empty()) {
    put_string(w, "name", row.name.c_str());
  }
  if (!row.category.empty()) {
    put_string(w, "category", row.category.c_str());
  }
}

/** "pivots": the campaign's sources the store holds, and their other ports, signatures, tools
 *  and tools by payload, and the steps their conversations reached and the indicators they
 *  gave (--emulate), with how many and what share of them. */
void write_pivots(json_writer& w, const campaign_pivots& p) {
  w.Key("pivots");
  w.StartObject();
  put_uint(w, "sources", p.sources);
  const std::pair<const char*, const char*> lists[] = {
      {"port", "ports"},         {"signature", "signatures"},
      {"tool", "tools"},         {"payload_tool", "payload_tools"},
      {"conversation", "steps"}, {"indicator", "indicators"}};
  for (const auto& [kind, key] : lists) {
    w.Key(key);
    w.StartArray();
    for (const campaign_pivot& row : p.rows) {
      if (row.kind != kind) {
        continue;
      }
      w.StartObject();
      put_uint(w, "port", row.port);
      put_string(w, "protocol", row.protocol.c_str());
      write_pivot_what(w, row);
      put_uint(w, "sources", row.sources);
      put_double(w, "share", p.sources == 0 ? 0.0 : double(row.sources) / double(p.sources));
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

void write_campaign(json_writer& w, const run_report& r, const watched_ports& ports,
                    const campaign& c, const campaign_pivots* pivots) {
  w.StartObject();
  put_string(w, "scope", campaign_scope_name(c.scope));
  write_port(w, ports, c.port);
  put_string(w, "value", scope_value(r, c.scope, c.port, c.dim).c_str());
  write_time(w, r, "start", c.start);
  write_time(w, r, "end", c.end);
  put_bool(w, "ongoing", c.end < 0);
  write_time(w, r, "peak", c.peak);
  put_double(w, "peak_ratio", c.peak_ratio);
  put_uint(w, "packets", c.packets);
  put_uint(w, "peak_sources", c.peak_sources);
  put_string(w, "detected_by", c.ramp ? "trend" : "step");
  put_bool(w, "new_tool", is_new_tool(c));
  w.Key("baseline");
  w.StartObject();
  put_double(w, "median", c.baseline.median);
  put_double(w, "iqr", c.baseline.iqr);
  put_double(w, "deviation", c.baseline.deviation);
  put_double(w, "threshold", c.baseline.threshold);
  put_uint(w, "buckets", c.baseline.buckets);
  w.EndObject();
  w.Key("top");
  w.StartObject();
  write_top(w, r, "countries", campaign_scope::port_country, c.port, c.drivers.countries);
  // Every dimension campaigns are looked for in drives them too (series_dimensions.hpp).
  for (const series_dimension& d : series_dimensions) {
    if (d.has_scope && d.kind != series_key::kind::port) {
      write_top(w, r, d.plural, d.scope, c.port, c.drivers.of(d.kind));
    }
  }
  w.EndObject();
  if (pivots != nullptr) {
    write_pivots(w, *pivots);
  }
  w.EndObject();
}

bool wanted(const campaign& c, const campaign_filter& f) {
  const int64_t end = c.end < 0 ? std::numeric_limits<int64_t>::max() : c.end - 1;
  return (f.port < 0 || c.port == f.port) &&
         (f.scope < 0 || static_cast<int>(c.scope) == f.scope) && c.start <= f.to && end >= f.from;
}

void write_campaigns(json_writer& w, const run_report& r, const watched_ports& ports,
                     const campaign_filter& f) {
  if (!start_series_array(w, "campaigns", r)) {
    return;
  }
  const auto& all = r.series->campaigns().campaigns();
  for (size_t i = 0; i < all.size(); ++i) {
    if (!wanted(all[i], f)) {
      continue;
    }
    const auto p = r.pivots.find(i);
    write_campaign(w, r, ports, all[i], p != r.pivots.end() ? &p->second : nullptr);
  }
  w.EndArray();
}

void write_lead_change(json_writer& w, const run_report& r, const watched_ports& ports,
                       const lead_change& l) {
  w.StartObject();
  write_port(w, ports, l.port);
  put_string(w, "dimension", lead_dimension_name(l.dimension));
  write_time(w, r, "bucket", l.bucket);
  put_string(w, "from", leader_name(r, l.dimension, l.from).c_str());
  put_string(w, "to", leader_name(r, l.dimension, l.to).c_str());
  w.EndObject();
}

void write_lead_changes(json_writer& w, const run_report& r, const watched_ports& ports,
                        const campaign_filter& f) {
  if (!start_series_array(w, "lead_changes", r)) {
    return;
  }
  for (const lead_change& l : r.series->campaigns().lead_changes()) {
    if ((f.port >= 0 && l.port != f.port) || l.bucket < f.from || l.bucket > f.to) {
      continue;
    }
    write_lead_change(w, r, ports, l);
  }
  w.EndArray();
}

}  // namespace scanscope
