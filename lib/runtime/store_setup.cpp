#include "runtime/store_setup.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>

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

}  // namespace

std::unique_ptr<store_feed> attach_source_store(series_clock& clock, const app_options& o,
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
  clock.on_closed([raw, &tables](const closed_bucket& closed, bool) {
    store_bucket b;
    b.bucket = closed.bucket;
    b.arrivals = closed.arrivals;
    b.names = names_of(tables);
    b.categories = categories_of(tables);
    raw->submit(std::move(b));
  });
  return feed;
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
  for (const auto& w : rx.workers) {
    s.arrivals_dropped += w->series().arrivals_dropped().read();
  }
}

std::string finish_source_store(store_feed* feed, const app_options& o) {
  if (feed == nullptr) {
    return {};
  }
  feed->drain();
  if (o.store.sources_out.empty()) {
    return {};
  }
  const http_response answer = list_sources(o.store.sources_query, feed->store());
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
