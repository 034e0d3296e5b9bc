#include "export/json_series.hpp"

#include <map>
#include <utility>
#include <vector>

#include "common/json_fields.hpp"
#include "export/summary_table.hpp"
#include "export/top_values.hpp"
#include "export/value_words.hpp"
#include "fingerprint/scan_tool.hpp"
#include "geo/unknown_country.hpp"

namespace scanscope {

namespace {

/** `key: {name: packets, ...}` for a surge's top countries or clusters. */
template <typename Name>
void put_top(json_writer& w, const char* key, const std::vector<std::pair<uint16_t, uint64_t>>& top,
             Name&& name) {
  w.Key(key);
  w.StartObject();
  for (const auto& [index, packets] : top) {
    put_uint(w, name(index), packets);
  }
  w.EndObject();
}

/** `key: {name: [packets, sources], ...}` for one dimension of a bucket. */
template <typename Index, typename Name>
void write_pairs(json_writer& w, const char* key, const std::map<Index, source_total>& by,
                 Name&& name) {
  w.Key(key);
  w.StartObject();
  for (const auto& [index, t] : by) {
    w.Key(std::string(name(index)).c_str());
    w.StartArray();
    w.Uint64(t.packets);
    w.Uint64(t.sources);
    w.EndArray();
  }
  w.EndObject();
}

/** `key: {value: [packets, sources], ..., "other": [...]}` for a bounded dimension (AS
 *  numbers): the `n` values with the most packets, the rest summed. */
void write_top_pairs(json_writer& w, const char* key, const std::map<uint32_t, source_total>& by,
                     size_t n) {
  uint64_t folded = 0;
  w.Key(key);
  w.StartObject();
  for (const named_total& v : top_values(by, n, folded)) {
    w.Key(v.name.c_str());
    w.StartArray();
    w.Uint64(v.total.packets);
    w.Uint64(v.total.sources);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

bool start_series_array(json_writer& w, const char* key, const run_report& r) {
  w.Key(key);
  w.StartArray();
  if (r.series == nullptr) {
    w.EndArray();
    return false;
  }
  return true;
}

/** One port's closed buckets: totals, and by cluster, country and signature. */
void write_port_series(json_writer& w, const run_report& r, uint16_t index) {
  if (!start_series_array(w, "series", r)) {
    return;
  }
  for (const auto& [bucket, points] : r.series->buckets()) {
    // Each source has one country, so summing distinct sources over countries stays exact.
    source_total total;
    std::map<uint8_t, source_total> countries;
    // The entries of every dimension the buckets list (series_dimensions.hpp): by kind, then
    // by value (summed over countries).
    std::map<series_key::kind, std::map<uint32_t, source_total>> dims;
    for (const auto& [key, p] : points) {
      if (series_key::port_of(key) != index) {
        continue;
      }
      const source_total t{p.packets, p.sources};
      const series_key::kind kind = series_key::kind_of(key);
      if (kind == series_key::kind::port) {
        countries[series_key::country_of(key)] = t;
        total += t;
      } else if (dimension_of(kind).in_buckets) {
        dims[kind][series_key::dim_of(key)] += t;
      }
    }
    if (total.packets == 0) {
      continue;
    }
    const report_names names{r};
    w.StartObject();
    put_string(w, "start", format_utc(static_cast<uint64_t>(bucket) * r.bucket_ns).c_str());
    put_packets_sources(w, total.packets, total.sources);
    write_pairs(w, "countries", countries, [&](uint8_t c) { return names.country(c); });
    for (const series_dimension& d : series_dimensions) {
      if (d.in_buckets && d.bounded) {
        write_top_pairs(w, d.plural, dims[d.kind], r.top_ases);
      } else if (d.in_buckets) {
        write_pairs(w, d.plural, dims[d.kind],
                    [&](uint32_t v) { return value_words(names, d.form, index, v); });
      }
    }
    w.EndObject();
  }
  w.EndArray();
}

void write_port(json_writer& w, const watched_ports& ports, uint16_t index) {
  w.Key("port");
  if (index == watched_ports::other_index || index > ports.size()) {
    w.String("other");
    put_string(w, "protocol", "any");
  } else {
    w.Uint(ports.at(index).port);
    put_string(w, "protocol", transport_name(ports.at(index).proto));
  }
}

void write_surges(json_writer& w, const run_report& r, const watched_ports& ports) {
  if (!start_series_array(w, "surges", r)) {
    return;
  }
  auto country = [&](uint16_t c) {
    return c < r.country_codes.size() ? r.country_codes[c].c_str() : unknown_country_code;
  };
  auto cluster = [&](uint16_t c) {
    return c < r.cluster_names.size() ? r.cluster_names[c].c_str() : "?";
  };
  for (const surge_event& e : r.series->surges()) {
    w.StartObject();
    put_string(w, "scope", surge_scope_name(e.scope));
    w.Key("port");
    if (e.port == watched_ports::other_index) {
      w.String("other");
    } else {
      w.Uint(ports.at(e.port).port);
    }
    if (e.scope == surge_scope::port_country) {
      put_string(w, "country", country(e.dim));
    } else if (e.scope == surge_scope::port_cluster) {
      put_string(w, "cluster", cluster(e.dim));
    }
    put_string(w, "start", format_utc(static_cast<uint64_t>(e.start) * r.bucket_ns).c_str());
    w.Key("end");
    e.end < 0 ? w.Null() : w.String(format_utc(static_cast<uint64_t>(e.end) * r.bucket_ns).c_str());
    put_uint(w, "packets", e.packets);
    put_double(w, "baseline", e.baseline);
    put_double(w, "ratio", e.ratio);
    put_double(w, "peak_ratio", e.peak_ratio);
    put_top(w, "countries", e.top_countries, country);
    put_top(w, "clusters", e.top_clusters, cluster);
    w.EndObject();
  }
  w.EndArray();
}

void write_source_total(json_writer& w, const char* name, const source_total& t) {
  w.StartObject();
  put_string(w, "name", name);
  put_packets_sources(w, t.packets, t.sources);
  w.EndObject();
}

void write_techniques(json_writer& w, const source_total* counts, bool seen_only) {
  w.Key("techniques");
  w.StartArray();
  for (size_t k = 0; counts != nullptr && k < scan_technique_count; ++k) {
    if (!seen_only || counts[k].packets != 0) {
      write_source_total(w, scan_technique_name(static_cast<scan_technique>(k)), counts[k]);
    }
  }
  w.EndArray();
}

}  // namespace scanscope
