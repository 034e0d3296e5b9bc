// A campaign's pivots: what else the sources seen under one activity did in its period.
// Every question is answered in one pass over the activity table, which SQLite keeps in
// address order: each source's rows arrive together, and each question checks whether the
// source is one of its members and, if so, counts the source's other activities. A campaigns
// answer asks one question per campaign; one pass per question had cost a scan each (4.6 s
// for the December seed's 17 campaigns on 8545, most of it the scans).
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "store/source_store.hpp"
#include "store/sqlite_values.hpp"

namespace scanscope {

namespace {

using activity_key = std::tuple<std::string, uint16_t, std::string, std::string>;

/** Per question: its members so far and how many of them had each other activity. */
struct pivot_tally {
  uint64_t sources = 0;
  std::map<activity_key, std::pair<uint64_t, std::string>> others;  // sources, max category
};

bool same_activity(const source_activity& a, const source_activity& b) {
  return a.kind == b.kind && a.port == b.port && a.protocol == b.protocol && a.value == b.value;
}

/** The activity's span overlaps the question's period. */
bool in_period(const source_activity& r, const pivot_question& q) {
  return r.first_seen < q.to_s && r.last_seen > q.from_s;
}

bool is_member(const std::vector<source_activity>& rows, const std::string& country, int64_t asn,
               const pivot_question& q) {
  if ((!q.country.empty() && country != q.country) || (q.asn >= 0 && asn != q.asn)) {
    return false;
  }
  return std::any_of(rows.begin(), rows.end(), [&](const source_activity& r) {
    return same_activity(r, q.under) && in_period(r, q);
  });
}

/** Kinds a pivot lists: what else the members probed, sent and were named by, and how far
 *  their conversations went and what those gave away (--emulate), on any port. */
bool pivoted(const std::string& kind) {
  return kind == "port" || kind == "signature" || kind == "tool" || kind == "payload_tool" ||
         kind == "conversation" || kind == "indicator";
}

/** A member's other ports, signatures, tools (by headers and by payload), conversation steps
 *  and indicators in the period; not the question's own activity, nor the question's port
 *  itself (its steps and indicators are what a campaign there led to, and are kept). */
void count_others(const std::vector<source_activity>& rows, const pivot_question& q,
                  pivot_tally& t) {
  for (const source_activity& w : rows) {
    if (!pivoted(w.kind) || !in_period(w, q) || same_activity(w, q.under) ||
        (w.kind == "port" && w.port == q.under.port && w.protocol == q.under.protocol)) {
      continue;
    }
    auto& [n, category] = t.others[{w.kind, w.port, w.protocol, w.value}];
    ++n;
    category = std::max(category, w.category);
  }
}

/** Kinds in name order, each by most sources first, then port, protocol and value; `top` per
 *  kind. */
pivot_answer answer_of(const pivot_tally& t, size_t top) {
  pivot_answer a;
  a.sources = t.sources;
  for (const auto& [key, counted] : t.others) {
    pivot_row r;
    std::tie(r.what.kind, r.what.port, r.what.protocol, r.what.value) = key;
    r.what.category = counted.second;
    r.sources = counted.first;
    a.rows.push_back(std::move(r));
  }
  std::sort(a.rows.begin(), a.rows.end(), [](const pivot_row& x, const pivot_row& y) {
    return std::tie(x.what.kind, y.sources, x.what.port, x.what.protocol, x.what.value) <
           std::tie(y.what.kind, x.sources, y.what.port, y.what.protocol, y.what.value);
  });
  std::vector<pivot_row> kept;
  size_t of_kind = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    of_kind = i > 0 && a.rows[i].what.kind == a.rows[i - 1].what.kind ? of_kind + 1 : 1;
    if (of_kind <= top) {
      kept.push_back(std::move(a.rows[i]));
    }
  }
  a.rows = std::move(kept);
  return a;
}

}  // namespace

pivot_answer source_store::pivot(const pivot_question& q) const {
  return pivots({q}).front();
}

std::vector<pivot_answer> source_store::pivots(const std::vector<pivot_question>& qs) const {
  std::vector<pivot_tally> tallies(qs.size());
  std::vector<pivot_answer> out(qs.size());
  if (qs.empty()) {
    return out;
  }
  std::lock_guard<std::mutex> hold(lock_);
  // CROSS JOIN keeps activity outside, read in its key order (address first).
  const char* scan =
      "SELECT a.address, a.kind, a.port, a.protocol, a.value, a.category, a.first_seen, "
      "a.last_seen, s.country, s.asn FROM activity a CROSS JOIN sources s "
      "ON s.address = a.address ORDER BY a.address";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, scan, -1, &st, nullptr) != SQLITE_OK) {
    return out;
  }
  std::string address, country;
  int64_t asn = -1;
  std::vector<source_activity> rows;
  const auto finish_source = [&] {
    for (size_t i = 0; i < qs.size(); ++i) {
      if (!rows.empty() && is_member(rows, country, asn, qs[i])) {
        ++tallies[i].sources;
        count_others(rows, qs[i], tallies[i]);
      }
    }
    rows.clear();
  };
  while (sqlite3_step(st) == SQLITE_ROW) {
    const std::string row_address = column_text(st, 0);
    if (row_address != address) {
      finish_source();
      address = row_address;
      country = column_text(st, 8);
      asn = sqlite3_column_int64(st, 9);
    }
    source_activity r;
    r.kind = column_text(st, 1);
    r.port = static_cast<uint16_t>(sqlite3_column_int(st, 2));
    r.protocol = column_text(st, 3);
    r.value = column_text(st, 4);
    r.category = column_text(st, 5);
    r.first_seen = static_cast<uint64_t>(sqlite3_column_int64(st, 6));
    r.last_seen = static_cast<uint64_t>(sqlite3_column_int64(st, 7));
    rows.push_back(std::move(r));
  }
  finish_source();
  sqlite3_finalize(st);
  for (size_t i = 0; i < qs.size(); ++i) {
    out[i] = answer_of(tallies[i], qs[i].top);
  }
  return out;
}

}  // namespace scanscope
