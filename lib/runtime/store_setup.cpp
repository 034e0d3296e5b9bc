#include "runtime/store_setup.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <unordered_map>

#include "export/campaign_text.hpp"
#include "runtime/series_setup.hpp"
#include "runtime/source_queries.hpp"

namespace scanscope {

namespace {

/** Rule slot → category, as the rule file has them now. */
std::vector<std::string> categories_of(const rules_and_databases& tables) {
  std::vector<std::string> out;
  if (tables.signatures) {
    for (const signature_rule& r : tables.signatures->rules()) {
      out.push_back(r.category);
    }
  }
  return out;
}

/** "kind value" of each indicator `facts` name, from the lcores' tables (none without
 *  --emulate: no fact names one). */
std::unordered_map<uint64_t, std::string> indicator_texts(const rx_lcores& rx,
                                                          const std::vector<source_fact>& facts) {
  std::unordered_map<uint64_t, std::string> out;
  for (const source_fact& f : facts) {
    if (f.kind == source_fact::indicator) {
      uint64_t hash;
      std::memcpy(&hash, f.host, sizeof hash);
      out.emplace(hash, std::string());
    }
  }
  if (out.empty()) {
    return out;
  }
  std::vector<indicator_total> all;
  for (const auto& w : rx.workers) {
    if (const indicator_table* t = w->indicators()) {
      t->collect(all);
    }
  }
  for (const indicator_total& i : all) {
    const auto wanted = out.find(indicator_table::hash_of(i.kind, i.port, i.value));
    if (wanted != out.end()) {
      wanted->second = std::string(name_in(indicator_kind_names, static_cast<size_t>(i.kind))) +
                       (i.value.empty() ? "" : " " + i.value);
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<store_feed> attach_source_store(series_clock& clock, const app_options& o,
                                                const rx_lcores& rx,
                                                const rules_and_databases& tables,
                                                std::string& error) {
  if (!o.store.enabled()) {
    return nullptr;
  }
  source_store_settings settings;
  settings.path = o.store.path;
  settings.max_sources = o.store.max_sources;
  settings.retention_s = static_cast<uint64_t>(o.retention) * static_cast<uint64_t>(o.bucket);
  std::string notice;
  auto store = source_store::open(settings, error, notice);
  if (!store) {
    return nullptr;
  }
  if (!notice.empty()) {
    std::fprintf(stderr, "scanscope: warning: %s\n", notice.c_str());
  }
  auto feed = std::make_unique<store_feed>(std::move(store), clock.width_ns() / 1000000000ULL);
  store_feed* raw = feed.get();
  clock.on_closed([raw, &tables, &rx](const closed_bucket& closed, bool) {
    store_bucket b;
    b.bucket = closed.bucket;
    b.arrivals = closed.arrivals;
    b.tallies = closed.tallies;
    b.facts = closed.facts;
    b.indicator_texts = indicator_texts(rx, closed.facts);
    b.names = names_of(tables);
    b.categories = categories_of(tables);
    raw->submit(std::move(b));
  });
  return feed;
}

unwritten_lookup live_unwritten(const store_feed& feed, const rx_lcores& rx,
                                const rules_and_databases& tables) {
  unwritten_lookup lookup;
  lookup.generation = [&feed] { return feed.generation(); };
  lookup.find = [&feed, &rx, &tables](const std::string& address, const uint8_t* source) {
    unwritten_source u = feed.unwritten(source, address);
    std::vector<std::pair<int64_t, uint64_t>> open;
    std::vector<std::pair<int64_t, uint64_t>> packets;
    std::vector<std::pair<int64_t, source_fact>> facts;
    for (const auto& w : rx.workers) {
      w->series().open_arrivals(source, open);
      w->series().open_tallies(source, packets);
      w->series().open_facts(source, facts);
    }
    const uint64_t tally = bucket_series::tally_key(address_hash(source));
    // The open buckets after the closed ones, oldest first (an lcore holds a late bucket too);
    // a bucket may hold the source's packets or facts without an arrival.
    std::set<int64_t> buckets;
    for (const auto& o : open) {
      buckets.insert(o.first);
    }
    for (const auto& p : packets) {
      buckets.insert(p.first);
    }
    for (const auto& f : facts) {
      buckets.insert(f.first);
    }
    for (const int64_t b : buckets) {
      std::vector<source_arrival> its_arrivals;
      for (const auto& [at, key] : open) {
        if (at == b) {
          source_arrival a;
          std::memcpy(a.source, source, sizeof a.source);
          a.key = key;
          its_arrivals.push_back(a);
        }
      }
      std::vector<source_tally> its_packets;
      for (const auto& [at, n] : packets) {
        if (at == b) {
          its_packets.push_back({tally, n});
        }
      }
      std::vector<source_fact> its_facts;
      for (const auto& [at, f] : facts) {
        if (at == b) {
          its_facts.push_back(f);
        }
      }
      u.waiting.add(b, its_arrivals, its_packets, its_facts);
      u.waiting.add_texts(indicator_texts(rx, its_facts));
    }
    unwritten_sightings out;
    out.writing = std::move(u.writing);
    std::vector<source_sighting> recent =
        u.waiting.take(names_of(tables), categories_of(tables), feed.width_s());
    if (!recent.empty()) {
      out.recent = std::move(recent.front());
    }
    return out;
  };
  return lookup;
}

void fill_pivots(run_report& r, const source_store& store, const watched_ports& ports,
                 const campaign_filter& only) {
  if (r.series == nullptr) {
    return;
  }
  const uint64_t width_s = r.bucket_ns / 1000000000ULL;
  const auto& all = r.series->campaigns().campaigns();
  const int64_t through = r.series->last_closed();
  std::vector<size_t> asked;
  std::vector<pivot_question> questions;
  for (size_t i = 0; i < all.size(); ++i) {
    const campaign& c = all[i];
    if (c.scope == campaign_scope::port_fingerprint || !wanted(c, only)) {
      continue;
    }
    pivot_question q;
    q.under.kind = "port";
    if (c.port != watched_ports::other_index) {
      q.under.port = ports.at(c.port).port;
      q.under.protocol = transport_name(ports.at(c.port).proto);
    } else {
      q.under.protocol = "any";
    }
    const std::string value = scope_value(r, c.scope, c.port, c.dim);
    switch (c.scope) {
      case campaign_scope::port_country:
        q.country = value;
        break;
      case campaign_scope::port_as:
        q.asn = c.dim;
        break;
      case campaign_scope::port_cluster:
      case campaign_scope::port_tool:
      case campaign_scope::port_signature:
      case campaign_scope::port_payload_tool:
        q.under.kind = dimension_of_scope(c.scope)->name;
        q.under.value = value;
        break;
      default:
        break;
    }
    q.from_s = static_cast<uint64_t>(c.start) * width_s;
    q.to_s = static_cast<uint64_t>((c.end >= 0 ? c.end : through + 1)) * width_s;
    asked.push_back(i);
    questions.push_back(std::move(q));
  }
  const std::vector<pivot_answer> answers = store.pivots(questions);
  for (size_t k = 0; k < asked.size(); ++k) {
    campaign_pivots& p = r.pivots[asked[k]];
    p.sources = answers[k].sources;
    for (const pivot_row& row : answers[k].rows) {
      p.rows.push_back({row.what.kind, row.what.port, row.what.protocol, row.what.value,
                        row.what.category, row.sources});
    }
  }
}

void note_source_store(run_report& report, const store_feed* feed, const rx_lcores& rx) {
  if (feed == nullptr) {
    return;
  }
  store_summary& s = report.source_store;
  s.enabled = true;
  s.path = feed->store().path();
  const source_store_counts c = feed->store().counts();
  s.sources = c.sources;
  s.buckets = c.buckets;
  s.queued = feed->waiting();
  s.dropped = c.dropped;
  s.expired = c.expired;
  s.write_errors = c.write_errors;
  s.first_error = feed->store().first_error();
  s.arrivals_dropped = 0;
  s.untallied = 0;
  for (const auto& w : rx.workers) {
    s.arrivals_dropped += w->series().arrivals_dropped().read();
    s.untallied += w->series().untallied().read();
  }
  s.untallied += feed->untallied();
}

std::string finish_source_store(store_feed* feed, const app_options& o) {
  if (feed == nullptr) {
    return {};
  }
  feed->drain();
  if (o.store.sources_out.empty()) {
    return {};
  }
  // Offline, nothing waits on the list: without n, every source it selects.
  const http_response answer = list_sources(o.store.sources_query, feed->store(), 0);
  if (answer.status != 200) {
    return "sources-query: " + answer.body;
  }
  if (o.store.sources_out == "-") {
    std::cout << answer.body << std::flush;
    return {};
  }
  std::ofstream out(o.store.sources_out, std::ios::binary | std::ios::trunc);
  out << answer.body;
  out.close();
  if (!out) {
    return "sources-out: cannot write " + o.store.sources_out;
  }
  return {};
}

}  // namespace scanscope
