#include "fleet/bucket_rows.hpp"

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

#include "export/campaign_text.hpp"

namespace scanscope {

namespace {

/** The dimensions a (port, source) was counted under in one bucket: its country, and the
 *  values of each kind its arrivals name (series_dimensions.hpp). */
struct source_row {
  std::string country;
  std::set<std::string> values[series_key::kind_limit];

  std::set<std::string>& of(series_key::kind k) { return values[static_cast<size_t>(k)]; }
  /** The one value of a kind a source has at most one of (actor, AS), or `otherwise`. */
  std::string only(series_key::kind k, const char* otherwise) {
    const std::set<std::string>& v = of(k);
    return v.empty() ? otherwise : *v.begin();
  }
};

void append(std::string& out, const std::string& text) {
  out += tsv_escape(text);
  out += '\t';
}

void append(std::string& out, uint64_t n) {
  out += std::to_string(n);
  out += '\t';
}

/** An Array(String) literal: ['a','b'], with quotes and backslashes escaped. */
void append(std::string& out, const std::set<std::string>& items) {
  std::string literal = "[";
  bool first = true;
  for (const std::string& item : items) {
    literal += first ? "'" : ",'";
    first = false;
    for (char c : item) {
      if (c == '\'' || c == '\\') {
        literal += '\\';
      }
      literal += c;
    }
    literal += '\'';
  }
  literal += ']';
  append(out, literal);
}

/** A source address: 16 bytes written as \xHH escapes (a FixedString(16) field). */
struct address_field {
  const uint8_t* bytes;
};

void append(std::string& out, address_field address) {
  const uint8_t* a = address.bytes;
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < 16; ++i) {
    out += "\\x";
    out += hex[a[i] >> 4];
    out += hex[a[i] & 15];
  }
  out += '\t';
}

/** One row of tab-separated fields: the last tab becomes the newline, and the row counts. */
template <typename... Fields>
void append_row(table_rows& t, const Fields&... fields) {
  (append(t.body, fields), ...);
  t.body.back() = '\n';
  ++t.rows;
}

uint16_t port_number(const series_labels& l) {
  return l.port == "other" ? 0 : static_cast<uint16_t>(std::stoul(l.port));
}

table_rows series_rows(const fleet_identity& identity, const closed_bucket& closed, bool partial,
                       const series_names& names, uint64_t start_s) {
  table_rows t{"series", 0, {}};
  for (const auto& [key, p] : closed.points) {
    const series_labels l = label_series_key(names, key);
    append_row(t, identity.sensor, identity.run, start_s, port_number(l), l.protocol, l.kind,
               l.value, l.country, p.packets, p.sources, partial ? 1u : 0u);
  }
  return t;
}

table_rows source_rows(const fleet_identity& identity, std::vector<source_arrival> arrivals,
                       const series_names& names, uint64_t start_s) {
  // Arrivals of one (port, source) next to each other, then one row per run of them; names
  // are looked up per row, not per arrival (a dense hour has millions of arrivals).
  std::sort(arrivals.begin(), arrivals.end(), [](const source_arrival& x, const source_arrival& y) {
    const uint16_t px = series_key::port_of(x.key), py = series_key::port_of(y.key);
    if (px != py) {
      return px < py;
    }
    const int c = std::memcmp(x.source, y.source, sizeof x.source);
    return c != 0 ? c < 0 : x.key < y.key;
  });
  table_rows t{"sources", 0, {}};
  size_t i = 0;
  while (i < arrivals.size()) {
    const source_arrival& first = arrivals[i];
    const uint16_t port = series_key::port_of(first.key);
    source_row r;
    for (; i < arrivals.size() && series_key::port_of(arrivals[i].key) == port &&
           std::memcmp(arrivals[i].source, first.source, sizeof first.source) == 0;
         ++i) {
      // bucket_series lists no arrival under a fingerprint key: a per-port question the series
      // rows answer.
      const uint64_t key = arrivals[i].key;
      const auto kind = series_key::kind_of(key);
      const series_labels l = label_series_key(names, key);
      if (series_key::has_country(kind)) {
        r.country = l.country;
      }
      r.of(kind).insert(l.value);
    }
    const series_labels l =
        label_series_key(names, series_key::make(series_key::kind::port, port, 0, 0));
    append_row(t, identity.sensor, identity.run, start_s, port_number(l), l.protocol,
               address_field{first.source}, r.country, r.of(series_key::kind::cluster),
               r.of(series_key::kind::tool), r.of(series_key::kind::signature),
               r.only(series_key::kind::actor, ""), r.only(series_key::kind::as, "0"),
               r.of(series_key::kind::payload_tool));
  }
  return t;
}

/** Seconds since the epoch at the start of `bucket`. */
uint64_t start_of(const fleet_identity& identity, int64_t bucket) {
  return static_cast<uint64_t>(bucket) * identity.bucket_ns / 1000000000ULL;
}

}  // namespace

table_rows make_campaign_rows(const fleet_identity& identity, const closed_bucket& closed,
                              const series_names& ports, const run_report& names,
                              const campaign_detector& detector) {
  table_rows t{"campaigns", 0, {}};
  const auto& all = detector.campaigns();
  for (size_t i = 0; i < all.size(); ++i) {
    const campaign& c = all[i];
    const bool ended_now = std::find(closed.campaigns.ended.begin(), closed.campaigns.ended.end(),
                                     i) != closed.campaigns.ended.end();
    if (c.end >= 0 && !ended_now) {
      continue;  // sent when it ended
    }
    const series_labels l =
        label_series_key(ports, series_key::make(series_key::kind::port, c.port, 0, 0));
    append_row(t, identity.sensor, identity.run, port_number(l), l.protocol,
               campaign_scope_name(c.scope), scope_value(names, c.scope, c.port, c.dim),
               start_of(identity, c.start), c.end >= 0 ? start_of(identity, c.end) : 0,
               c.end >= 0 ? 0u : 1u, start_of(identity, c.peak), std::to_string(c.peak_ratio),
               c.packets, c.peak_sources, c.ramp ? 1u : 0u, static_cast<uint64_t>(closed.bucket));
  }
  return t;
}

table_rows make_indicator_rows(const fleet_identity& identity, const closed_bucket& closed,
                               const std::vector<indicator_total>& indicators) {
  table_rows t{"indicators", 0, {}};
  const uint64_t start_ns = static_cast<uint64_t>(closed.bucket) * identity.bucket_ns;
  for (const indicator_total& i : indicators) {
    if (i.last_seen_ns < start_ns) {
      continue;  // sent with the bucket it last came in
    }
    append_row(t, identity.sensor, identity.run,
               std::string(name_in(indicator_kind_names, static_cast<size_t>(i.kind))), i.port,
               i.value, i.first_seen_ns / 1000000000ULL, i.last_seen_ns / 1000000000ULL, i.count,
               i.sources, address_field{i.first_source}, static_cast<uint64_t>(closed.bucket));
  }
  return t;
}

std::string tsv_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

uint64_t bucket_batch::bytes() const {
  uint64_t n = 0;
  for (const table_rows& t : tables) {
    n += t.body.size();
  }
  return n;
}

uint64_t bucket_batch::rows() const {
  uint64_t n = 0;
  for (const table_rows& t : tables) {
    n += t.rows;
  }
  return n;
}

bucket_batch make_bucket_batch(const fleet_identity& identity, const closed_bucket& closed,
                               bool partial, const series_names& names, table_rows campaigns,
                               table_rows indicators) {
  bucket_batch b;
  b.sensor = identity.sensor;
  b.run = identity.run;
  b.bucket = closed.bucket;
  b.start_s = start_of(identity, closed.bucket);
  b.tables.push_back(series_rows(identity, closed, partial, names, b.start_s));
  b.tables.push_back(source_rows(identity, closed.arrivals, names, b.start_s));
  b.tables.push_back(std::move(campaigns));
  b.tables.push_back(std::move(indicators));
  return b;
}

}  // namespace scanscope
