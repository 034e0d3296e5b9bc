#include "runtime/source_queries.hpp"

#include <arpa/inet.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cstring>
#include <set>

#include "common/json_fields.hpp"
#include "export/summary_table.hpp"
#include "packet/prefix_set.hpp"
#include "stats/series_dimensions.hpp"
#include "runtime/query_parameters.hpp"
#include "store/source_verdict.hpp"

namespace scanscope {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string utc(uint64_t seconds) { return format_utc(seconds * 1000000000ULL); }

/** The canonical text of an IPv4 or IPv6 address; false when `text` is neither. */
bool canonical_address(const std::string& text, std::string& out, uint8_t* mapped) {
  uint8_t raw[16] = {};
  if (inet_pton(AF_INET, text.c_str(), raw) == 1) {
    map_address(raw, false, mapped);
  } else if (inet_pton(AF_INET6, text.c_str(), raw) == 1) {
    map_address(raw, true, mapped);
  } else {
    return false;
  }
  out = format_address(mapped);
  return true;
}

/** The activities of one kind ("ports": kind port), each with where and when; the value
 *  under `value_key`. */
void write_activity(writer& w, const stored_source& s, const char* key, const char* kind,
                    const char* value_key = "name") {
  w.Key(key);
  w.StartArray();
  for (const stored_activity& a : s.activity) {
    if (a.what.kind != kind) {
      continue;
    }
    w.StartObject();
    put_uint(w, "port", a.what.port);
    put_string(w, "protocol", a.what.protocol.c_str());
    if (!a.what.value.empty()) {
      put_string(w, value_key, a.what.value.c_str());
    }
    if (!a.what.category.empty()) {
      put_string(w, "category", a.what.category.c_str());
    }
    put_string(w, "first_seen", utc(a.first_seen).c_str());
    put_string(w, "last_seen", utc(a.last_seen).c_str());
    w.EndObject();
  }
  w.EndArray();
}

void write_source(writer& w, const stored_source& s, const source_verdict& v) {
  w.StartObject();
  put_string(w, "address", s.address.c_str());
  put_string(w, "classification", source_class_name(v.verdict));
  put_string(w, "reason", v.reason.c_str());
  w.Key("tags");
  w.StartArray();
  for (const std::string& t : v.tags) {
    w.String(t.c_str());
  }
  w.EndArray();
  put_string(w, "first_seen", utc(s.first_seen).c_str());
  put_string(w, "last_seen", utc(s.last_seen).c_str());
  put_uint(w, "buckets", s.buckets);
  put_uint(w, "packets", s.packets);
  put_string(w, "country", s.country.c_str());
  put_uint(w, "asn", s.asn);
  w.Key("actor");
  s.actor.empty() ? w.Null() : w.String(s.actor.c_str());
  // What a source's arrivals record, a list per dimension; its actor and AS are its own fields.
  for (const series_dimension& d : series_dimensions) {
    if (d.in_arrivals && d.kind != series_key::kind::actor && d.kind != series_key::kind::as) {
      write_activity(w, s, d.plural, d.name);
    }
  }
  // What no series key holds: unwatched ports it probed (a bounded list), and the monitored
  // hosts that answered it (the exposure view's join).
  write_activity(w, s, "unwatched_ports", "unwatched");
  write_activity(w, s, "exposures", "exposure", "host");
  // What its requests gave away (--emulate): "kind value", e.g. "eth_recipient 0x...".
  write_activity(w, s, "indicators", "indicator", "value");
  w.EndObject();
}

http_response json_answer(const rapidjson::StringBuffer& b) {
  return {200, "application/json", std::string(b.GetString(), b.GetSize()) + "\n"};
}

/** A field for a CSV line: quoted when it holds a comma, quote or line break. */
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) {
    return text;
  }
  std::string out = "\"";
  for (char c : text) {
    out += c == '"' ? "\"\"" : std::string(1, c);
  }
  return out + "\"";
}

std::string csv_line(const stored_source& s, const source_verdict& v) {
  std::string ports, tags;
  for (const stored_activity& a : s.activity) {
    if (a.what.kind == "port") {
      ports += (ports.empty() ? "" : " ") +
               (a.what.port == 0 ? std::string("other") : std::to_string(a.what.port) + "/" +
                                                               a.what.protocol);
    }
  }
  for (const std::string& t : v.tags) {
    tags += (tags.empty() ? "" : " ") + t;
  }
  return csv_field(s.address) + "," + source_class_name(v.verdict) + "," + utc(s.first_seen) +
         "," + utc(s.last_seen) + "," + csv_field(s.country) + "," + std::to_string(s.asn) +
         "," + csv_field(s.actor) + "," + csv_field(ports) + "," + csv_field(tags) + "," +
         csv_field(v.reason) + "," + std::to_string(s.packets) + "\n";
}

/** An nftables table with one set per address family, for `nft -f`. */
std::string nft_text(const std::vector<std::string>& v4, const std::vector<std::string>& v6,
                     const std::string& set) {
  std::string out = "table inet scanscope {\n";
  const auto one = [&](const char* suffix, const char* type, const std::vector<std::string>& a) {
    out += std::string("  set ") + set + suffix + " {\n    type " + type + "\n";
    if (!a.empty()) {
      out += "    elements = {";
      for (size_t i = 0; i < a.size(); ++i) {
        out += (i == 0 ? " " : ", ") + a[i];
      }
      out += " }\n";
    }
    out += "  }\n";
  };
  one("_v4", "ipv4_addr", v4);
  one("_v6", "ipv6_addr", v6);
  return out + "}\n";
}

}  // namespace

http_response source_lookup(const std::string& address, const source_store& store,
                            const unwritten_lookup& unwritten) {
  std::string canonical;
  uint8_t source[16];
  if (!canonical_address(address, canonical, source)) {
    return bad("'" + address + "' is not an IPv4 or IPv6 address");
  }
  // The unwritten part first: what is written meanwhile is in the store's answer too, the
  // sighting being written told apart by last_seen. Merged buckets taken into a write between
  // the two would be counted twice: then both are asked again.
  unwritten_sightings later;
  std::optional<stored_source> s;
  for (int attempt = 0;; ++attempt) {
    const uint64_t generation = unwritten ? unwritten.generation() : 0;
    later = unwritten ? unwritten.find(canonical, source) : unwritten_sightings{};
    s = store.lookup(canonical);
    if (!unwritten || unwritten.generation() == generation || attempt == 2) {
      break;
    }
  }
  if (!s && store.full()) {
    // A new source past the budget is dropped when written (counted): it is not shown now
    // only to go missing later.
    return {404, "text/plain; charset=utf-8",
            canonical + ": not kept: the store's budget (--source-store-max) is spent\n"};
  }
  if (later.writing && (!s || later.writing->last_seen > s->last_seen)) {
    add_sighting(s ? *s : s.emplace(), *later.writing);
  }
  if (later.recent) {
    add_sighting(s ? *s : s.emplace(), *later.recent);
  }
  if (!s) {
    return {404, "text/plain; charset=utf-8", canonical + ": never seen (or not within the "
                                                          "retention period)\n"};
  }
  rapidjson::StringBuffer b;
  writer w(b);
  write_source(w, *s, judge_source(*s));
  return json_answer(b);
}

http_response list_sources(const std::string& query, const source_store& store,
                           size_t default_n) {
  const auto p = parameters("?" + query);
  static const std::set<std::string> known = {"class", "since", "format", "n"};
  for (const auto& [name, value] : p) {
    if (!known.count(name)) {
      return bad("unknown parameter '" + name + "' (class, since, format, n)");
    }
  }
  bool by_class = false;
  source_class wanted = source_class::unknown;
  if (p.count("class")) {
    if (!parse_source_class(p.at("class"), wanted)) {
      return bad("class '" + p.at("class") + "' is not benign, malicious or unknown");
    }
    by_class = true;
  }
  uint64_t since = 0;
  if (p.count("since") && !parse_time(p.at("since"), since)) {
    return bad("since '" + p.at("since") + "' is not unix seconds nor YYYY-MM-DDTHH:MM:SSZ");
  }
  const std::string format = p.count("format") ? p.at("format") : "json";
  if (format != "json" && format != "csv" && format != "txt" && format != "nft") {
    return bad("format '" + format + "' is not json, csv, txt or nft");
  }
  size_t n = default_n;
  if (p.count("n")) {
    const std::string& t = p.at("n");
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc{} || end != t.data() + t.size() || n == 0) {
      return bad("n '" + t + "' is not a count of at least 1");
    }
  }
  rapidjson::StringBuffer b;
  writer w(b);
  std::string text = format == "csv" ? "address,classification,first_seen,last_seen,country,asn,"
                                       "actor,ports,tags,reason,packets\n"
                                     : "";
  std::vector<std::string> v4, v6;
  size_t listed = 0;
  w.StartArray();
  // The class is the verdict's, worked out per source: n counts the sources listed.
  store.for_each(since, [&](const stored_source& s) {
    const source_verdict v = judge_source(s);
    if (by_class && v.verdict != wanted) {
      return true;
    }
    ++listed;
    if (format == "json") {
      write_source(w, s, v);
    } else if (format == "csv") {
      text += csv_line(s, v);
    } else if (format == "txt") {
      text += s.address + "\n";
    } else {
      (s.address.find(':') == std::string::npos ? v4 : v6).push_back(s.address);
    }
    return n == 0 || listed < n;
  });
  w.EndArray();
  if (format == "json") {
    return json_answer(b);
  }
  if (format == "nft") {
    return {200, "text/plain; charset=utf-8",
            nft_text(v4, v6, by_class ? std::string(source_class_name(wanted)) : "sources")};
  }
  return {200, format == "csv" ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8", text};
}

}  // namespace scanscope
