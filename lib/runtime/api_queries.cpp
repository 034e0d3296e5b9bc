#include "runtime/api_queries.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <map>

#include "common/json_fields.hpp"
#include "export/json_actors.hpp"
#include "export/json_campaigns.hpp"
#include "export/json_conversation.hpp"
#include "export/json_series.hpp"
#include "export/summary_table.hpp"
#include "export/value_words.hpp"
#include "fingerprint/scan_tool.hpp"
#include "packet/prefix_set.hpp"
#include "runtime/query_parameters.hpp"
#include "runtime/series_setup.hpp"
#include "runtime/source_queries.hpp"
#include "runtime/store_setup.hpp"
#include "geo/unknown_country.hpp"
#include "common/text.hpp"

namespace scanscope {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

http_response json(rapidjson::StringBuffer& b) {
  return {200, "application/json", std::string(b.GetString(), b.GetSize()) + "\n"};
}

/** `n=` as a count from 1 to `most` (`fallback` without the parameter); false when it is not. */
bool count_parameter(const std::map<std::string, std::string>& p, size_t fallback, size_t most,
                     size_t& n) {
  n = fallback;
  if (!p.count("n")) {
    return true;
  }
  const std::string& text = p.at("n");
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return ec == std::errc{} && end == text.data() + text.size() && n >= 1 && n <= most;
}

/** The watched-port index `port=` names (number, name or "other"); -1 without the parameter,
 *  -2 when it names no watched port. */
int port_parameter(const std::map<std::string, std::string>& p, const watched_ports& ports) {
  if (!p.count("port")) {
    return -1;
  }
  if (p.at("port") == "other") {
    return watched_ports::other_index;
  }
  for (uint16_t i = 1; i <= ports.size(); ++i) {
    if (std::to_string(ports.at(i).port) == p.at("port") || ports.at(i).name == p.at("port")) {
      return i;
    }
  }
  return -2;
}

/** `from` and `to` in unix seconds (each left as it is when not given); the error, or "". */
std::string period_parameters(const std::map<std::string, std::string>& p, uint64_t& from,
                              uint64_t& to) {
  for (const auto& [name, value] :
       {std::pair<const char*, uint64_t*>{"from", &from}, {"to", &to}}) {
    if (p.count(name) && !parse_time(p.at(name), *value)) {
      return std::string(name) + " '" + p.at(name) +
             "' is not unix seconds or YYYY-MM-DDTHH:MM:SSZ";
    }
  }
  return {};
}

/** What a series query asks: its filters, each resolved to an index (-1: no filter), its
 *  group, the entries that answer it, and its period. */
struct series_request {
  int port = -1;
  int cluster = -1;
  int signature = -1;
  int64_t as = -1;
  int country = -1;
  std::string group;
  const series_dimension* grouped = nullptr; /**< null: by country */
  series_key::kind kind = series_key::kind::port;
  int64_t value = -1; /**< the cluster, signature or AS filter: the entries' value */
  uint64_t from = 0;
  uint64_t to = UINT64_MAX;

  bool wants(uint64_t key) const {
    return series_key::kind_of(key) == kind && (port < 0 || series_key::port_of(key) == port) &&
           (country < 0 || series_key::country_of(key) == country) &&
           (value < 0 || series_key::dim_of(key) == value);
  }
};

/** A series query's parameters; the error, or "". */
std::string parse_series_request(const std::map<std::string, std::string>& p,
                                 const rules_and_databases& t, series_request& q) {
  // Filters, each resolved to an index; -1: no filter.
  q.port = port_parameter(p, t.ports);
  if (q.port == -2) {
    return "port '" + p.at("port") + "' is not a watched port (or 'other')";
  }
  if (p.count("cluster")) {
    for (size_t i = 0; i < t.clusters->size(); ++i) {
      if (t.clusters->name(i) == p.at("cluster")) {
        q.cluster = static_cast<int>(i);
      }
    }
    if (q.cluster < 0) {
      return "cluster '" + p.at("cluster") + "' is not defined";
    }
  }
  if (p.count("signature")) {
    for (size_t i = 0; t.signatures && i < t.signatures->rules().size(); ++i) {
      if (t.signatures->rules()[i].name == p.at("signature")) {
        q.signature = static_cast<int>(i);
      }
    }
    if (q.signature < 0) {
      return "signature '" + p.at("signature") + "' is not a rule";
    }
  }
  if (p.count("country")) {
    const std::string& code = p.at("country");
    q.country = code == unknown_country_code ? 0 : (t.geo ? t.geo->country_index(code.c_str()) : 0);
    if (q.country == 0 && code != unknown_country_code) {
      return "country '" + code + "' is not in the location database";
    }
  }
  // group: a row of series_dimensions, or country (the port's own entries by country).
  q.group = p.count("group") ? p.at("group") : "port";
  q.grouped = dimension_named(q.group);
  if (q.grouped == nullptr && q.group != "country") {
    std::string names;
    for (const series_dimension& d : series_dimensions) {
      if (d.in_buckets || d.kind == series_key::kind::port) {
        names += std::string(d.name) + ", ";
      }
    }
    return "group must be " + names + "or country";
  }
  if (p.count("as")) {
    uint32_t as = 0;
    if (!parse_as_number(p.at("as"), as)) {
      return "as '" + p.at("as") + "' is not an AS number";
    }
    q.as = as;
  }
  if ((q.cluster >= 0) + (q.signature >= 0) + (q.as >= 0) > 1) {
    return "filter by one of cluster, signature or as";
  }
  if (std::string error = period_parameters(p, q.from, q.to); !error.empty()) {
    return error;
  }
  // Which entries answer: a filter's kind (cluster, signature or AS entries), else the group's
  // kind, else the per-(port, country) entries.
  q.kind = q.grouped != nullptr ? q.grouped->kind : series_key::kind::port;
  if (q.cluster >= 0) {
    q.kind = series_key::kind::cluster;
  } else if (q.signature >= 0) {
    q.kind = series_key::kind::signature;
  } else if (q.as >= 0) {
    q.kind = series_key::kind::as;
  }
  if (q.grouped != nullptr && q.grouped->kind != q.kind &&
      q.grouped->kind != series_key::kind::port) {
    return "group " + q.group + " cannot be filtered by another dimension's value";
  }
  if (!series_key::has_country(q.kind) && q.country >= 0) {
    return std::string(dimension_of(q.kind).name) +
           " entries are per port: filter them by port and time only";
  }
  q.value = q.cluster >= 0 ? q.cluster : q.signature >= 0 ? q.signature : q.as;
  return "";
}

http_response series_query(const std::map<std::string, std::string>& p, const api_context& c) {
  const rules_and_databases& t = *c.tables;
  series_request q;
  if (std::string error = parse_series_request(p, t, q); !error.empty()) {
    return bad(error);
  }
  const series_names names = names_of(t);
  const uint64_t width_s = static_cast<uint64_t>(c.options->bucket);
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  put_string(w, "group", q.group.c_str());
  w.Key("buckets");
  w.StartArray();
  for (const auto& [bucket, points] : c.store->buckets()) {
    const uint64_t start_s = static_cast<uint64_t>(bucket) * width_s;
    if (start_s < q.from || start_s >= q.to) {
      continue;
    }
    std::map<std::string, std::pair<uint64_t, uint64_t>> groups;
    for (const auto& [key, point] : points) {
      if (!q.wants(key)) {
        continue;
      }
      const uint16_t pi = series_key::port_of(key);
      std::string name;
      if (q.grouped == nullptr) {
        name = names.country(series_key::country_of(key));
      } else if (q.grouped->kind == series_key::kind::port) {
        name = pi == watched_ports::other_index ? "other" : std::to_string(t.ports.at(pi).port);
      } else {
        name = value_words(names, q.kind, pi, series_key::dim_of(key));
      }
      // Sources add up over countries (one country per source); over ports and clusters a
      // source seen in two of them counts twice.
      auto& g = groups[name];
      g.first += point.packets;
      g.second += point.sources;
    }
    if (groups.empty()) {
      continue;
    }
    w.StartObject();
    put_string(w, "start", format_utc(start_s * 1000000000ULL).c_str());
    w.Key("groups");
    w.StartObject();
    for (const auto& [name, v] : groups) {
      w.Key(name.c_str());
      w.StartObject();
      put_packets_sources(w, v.first, v.second);
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json(b);
}

http_response fingerprints_query(const std::map<std::string, std::string>& p,
                                 const api_context& c) {
  size_t n = 0;
  if (!count_parameter(p, 10, 1000, n)) {
    return bad("n '" + p.at("n") + "' is not a count from 1 to 1000");
  }
  const int only = port_parameter(p, c.tables->ports);
  if (only == -2) {
    return bad("port '" + p.at("port") + "' is not a watched port (or 'other')");
  }
  const traffic_snapshot s =
      fold_counters(c.rx->views(), c.tables->ports.size(), n, c.tables->rule_count());
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartArray();
  for (uint16_t i = 0; i < s.fingerprints.size(); ++i) {
    const std::string port =
        i == watched_ports::other_index ? "other" : std::to_string(c.tables->ports.at(i).port);
    if (only >= 0 && i != only) {
      continue;
    }
    for (const fingerprint_count& f : s.fingerprints[i]) {
      w.StartObject();
      put_string(w, "port", port.c_str());
      put_string(w, "key", to_string(f.key).c_str());
      put_packets_sources(w, f.packets, f.sources);
      w.EndObject();
    }
  }
  w.EndArray();
  return json(b);
}

http_response sources_query(const std::map<std::string, std::string>& p, const api_context& c) {
  if (!c.lcores_stopped) {
    return {503, "text/plain; charset=utf-8",
            "source tables are read once the RX lcores have stopped (after an offline run)\n"};
  }
  size_t n = 0;
  if (!count_parameter(p, 20, 10000, n)) {
    return bad("n '" + p.at("n") + "' is not a count from 1 to 10000");
  }
  std::vector<const source_state*> all;
  for (const auto& w : c.rx->workers) {
    w->sources().for_each([&](const source_state& s) { all.push_back(&s); });
  }
  const size_t keep = std::min(n, all.size());
  std::partial_sort(
      all.begin(), all.begin() + static_cast<long>(keep), all.end(),
      [](const source_state* a, const source_state* b) { return a->packets > b->packets; });
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartArray();
  for (size_t i = 0; i < keep; ++i) {
    const source_state& s = *all[i];
    w.StartObject();
    put_string(w, "address", format_address(s.key.bytes).c_str());
    put_string(w, "country",
               c.tables->geo ? c.tables->geo->country_code(s.country) : unknown_country_code);
    put_uint(w, "packets", s.packets);
    put_double(w, "distinct_destinations", s.dst_addrs.estimate());
    put_double(w, "distinct_ports", s.dst_ports.estimate());
    put_string(w, "source_port", source_port_behaviour_name(s.src_port_behaviour()));
    // The source's cluster (docs/fingerprints.md): held once decided, provisional while its
    // first probe waits for the source-port behaviour; none before a TCP/UDP packet.
    const uint8_t cluster = s.cluster_state;
    const cluster_rules& rules = *c.tables->clusters;
    const bool decided = cluster & source_state::cluster_decided;
    const bool held = decided || (cluster & source_state::cluster_provisional);
    const size_t slot = s.cluster_slot();
    put_string(w, "cluster", held && slot < rules.size() ? rules.name(slot).c_str() : "");
    put_bool(w, "cluster_decided", decided);
    put_string(w, "first_seen", format_utc(uint64_t{s.first_seen_s} * 1000000000ULL).c_str());
    put_string(w, "last_seen", format_utc(s.last_seen_ns).c_str());
    w.EndObject();
  }
  w.EndArray();
  return json(b);
}

/** A JSON object written by `body` from a report that holds the series store and the names. */
template <typename Body>
http_response report_json(const api_context& c, Body&& body, bool with_traffic = false,
                          const campaign_filter* pivots_of = nullptr) {
  run_report r;
  r.series = c.store;
  fill_names(r, *c.rx, *c.tables, *c.options, *c.store);
  if (pivots_of != nullptr && c.sources != nullptr) {
    fill_pivots(r, *c.sources, c.tables->ports, *pivots_of);
  }
  if (with_traffic) {
    // The lcores' counters now, folded as the status pass folds them.
    r.traffic = fold_counters(c.rx->views(), c.tables->ports.size(), c.options->top_ports,
                              c.tables->rule_count());
  }
  rapidjson::StringBuffer b;
  json_writer w(b);
  w.StartObject();
  body(w, r);
  w.EndObject();
  return json(b);
}

http_response campaigns_query(const std::map<std::string, std::string>& p, const api_context& c) {
  campaign_filter f;
  f.port = port_parameter(p, c.tables->ports);
  if (f.port == -2) {
    return bad("port '" + p.at("port") + "' is not a watched port (or 'other')");
  }
  if (p.count("scope")) {
    for (size_t s = 0; s < campaign_scope_count; ++s) {
      if (p.at("scope") == campaign_scope_name(static_cast<campaign_scope>(s))) {
        f.scope = static_cast<int>(s);
      }
    }
    if (f.scope < 0) {
      std::string scopes;
      for (size_t s = 0; s < campaign_scope_count; ++s) {
        scopes += (s == 0 ? "" : ", ") +
                  std::string(campaign_scope_name(static_cast<campaign_scope>(s)));
      }
      return bad("scope must be one of " + scopes);
    }
  }
  const auto width_s = static_cast<uint64_t>(c.options->bucket);
  uint64_t from = 0;
  uint64_t to = UINT64_MAX;
  if (std::string error = period_parameters(p, from, to); !error.empty()) {
    return bad(error);
  }
  f.from = p.count("from") ? static_cast<int64_t>(from / width_s) : f.from;
  f.to = p.count("to") ? static_cast<int64_t>(to / width_s) : f.to;
  return report_json(c, [&](json_writer& w, const run_report& r) {
    write_campaigns(w, r, c.tables->ports, f);
    write_lead_changes(w, r, c.tables->ports, f);
  }, false, &f);
}

/** /api/v1/exposure?port=N: monitored hosts that answered scanners (on TCP port N). */
http_response exposure_query(const std::map<std::string, std::string>& p, const api_context& c) {
  unsigned long port = 0;
  if (p.count("port")) {
    char* end = nullptr;
    port = std::strtoul(p.at("port").c_str(), &end, 10);
    if (p.at("port").empty() || *end != '\0' || port == 0 || port > 65535) {
      return bad("port '" + p.at("port") + "' is not a TCP port number (1-65535)");
    }
  }
  return report_json(
      c, [&](json_writer& w, const run_report& r) {
        write_exposure(w, r, static_cast<uint16_t>(port));
      },
      true);
}

/** /api/v1/indicators?kind=K&port=N&since=T: what emulated conversations gave away. */
http_response indicators_query(const std::map<std::string, std::string>& p, const api_context& c) {
  indicator_filter f;
  if (p.count("kind")) {
    f.any_kind = false;
    if (!named_in(indicator_kind_names, p.at("kind"), f.kind)) {
      std::string kinds;
      for (const char* k : indicator_kind_names) {
        kinds += (kinds.empty() ? "" : ", ") + std::string(k);
      }
      return bad("kind '" + p.at("kind") + "' is not one of " + kinds);
    }
  }
  if (p.count("port")) {
    char* end = nullptr;
    const unsigned long port = std::strtoul(p.at("port").c_str(), &end, 10);
    if (p.at("port").empty() || *end != '\0' || port == 0 || port > 65535) {
      return bad("port '" + p.at("port") + "' is not a TCP port number (1-65535)");
    }
    f.port = static_cast<uint16_t>(port);
  }
  if (p.count("since")) {
    uint64_t since = 0;
    if (!parse_time(p.at("since"), since)) {
      return bad("since '" + p.at("since") + "' is not unix seconds or YYYY-MM-DDTHH:MM:SSZ");
    }
    f.since_ns = since * 1000000000ULL;
  }
  return report_json(
      c, [&](json_writer& w, const run_report& r) { write_indicators(w, r, f); }, true);
}

/** The rows of series_dimensions: what the series can be grouped by, campaigns are looked for
 *  in and leads change in (the console builds its lists from this). */
http_response dimensions_query() {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  w.Key("dimensions");
  w.StartArray();
  for (const series_dimension& d : series_dimensions) {
    w.StartObject();
    put_string(w, "name", d.name);
    put_string(w, "plural", d.plural);
    put_bool(w, "per_country", d.per_country);
    put_bool(w, "bounded", d.bounded);
    w.Key("campaign_scope");
    d.has_scope ? w.String(campaign_scope_name(d.scope)) : w.Null();
    w.Key("lead");
    d.has_lead ? w.String(lead_dimension_name(d.lead)) : w.Null();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json(b);
}

}  // namespace

http_response answer_api(const std::string& target, const api_context& c) {
  const std::string path = target.substr(0, target.find('?'));
  const auto p = parameters(target);
  if (path == "/api/v1/series") {
    return series_query(p, c);
  }
  if (path == "/api/v1/dimensions") {
    return dimensions_query();
  }
  if (path == "/api/v1/surges") {
    return report_json(
        c, [&](json_writer& w, const run_report& r) { write_surges(w, r, c.tables->ports); });
  }
  if (path == "/api/v1/campaigns") {
    return campaigns_query(p, c);
  }
  if (path == "/api/v1/fingerprints/top") {
    return fingerprints_query(p, c);
  }
  if (path == "/api/v1/sources/top") {
    return sources_query(p, c);
  }
  if (path == "/api/v1/sources" || path.rfind("/api/v1/sources/", 0) == 0) {
    if (c.sources == nullptr) {
      return {503, "text/plain; charset=utf-8", "no source store (start with --source-store FILE)\n"};
    }
    return path == "/api/v1/sources"
               ? list_sources(target.find('?') == std::string::npos ? "" : target.substr(target.find('?') + 1),
                            *c.sources)
               : source_lookup(percent_decoded(path.substr(std::strlen("/api/v1/sources/"))),
                               *c.sources, c.unwritten);
  }
  if (path == "/api/v1/exposure") {
    return exposure_query(p, c);
  }
  if (path == "/api/v1/indicators") {
    return indicators_query(p, c);
  }
  if (path == "/api/v1/actors") {
    // Every actor over all traffic, then per watched port the actors seen there.
    return report_json(
        c,
        [&](json_writer& w, const run_report& r) {
          write_actors(w, r, r.traffic.in_total(series_key::kind::actor).begin(), false);
          w.Key("ports");
          w.StartArray();
          for (size_t i = 0; i < r.traffic.per_port.size(); ++i) {
            w.StartObject();
            write_port(w, c.tables->ports, static_cast<uint16_t>(i));
            write_actors(w, r, r.traffic.on_port(series_key::kind::actor, i).begin(), true);
            w.EndObject();
          }
          w.EndArray();
        },
        true);
  }
  if (path == "/api/v1/conversation") {
    return report_json(
        c, [&](json_writer& w, const run_report& r) { write_conversation(w, r, c.tables->ports); },
        true);
  }
  return {404, "text/plain; charset=utf-8", "not found: " + path + "\n"};
}

}  // namespace scanscope
