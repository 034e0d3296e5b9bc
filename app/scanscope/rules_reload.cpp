#include "rules_reload.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace scanscope {

void rules_reloader::start() {
  if (pending_.valid() || handing_over_) {
    std::fprintf(stderr, "scanscope: reload: the previous rule reload is still going on\n");
    return;
  }
  const bool clusters = !options_.clusters.empty();
  const bool signatures = tables_.signatures != nullptr;
  const bool actors = tables_.actors != nullptr;
  if (!clusters) {
    std::fprintf(stderr, "scanscope: reload: built-in cluster rules (no clusters file) stay\n");
  }
  if (!signatures) {
    std::fprintf(stderr,
                 "scanscope: reload: payload scanning is off; a restart with a signatures file "
                 "turns it on\n");
  }
  if (!clusters && !signatures && !actors) {
    return;
  }
  // The rules in use seed the new ones' slots. Nothing the lambda reads changes before the
  // handover ends: the tables change only at its end, on this thread.
  const cluster_rules* cluster_base = clusters ? tables_.clusters.get() : nullptr;
  const signature_db* signature_base = tables_.signatures.get();
  const actor_list* actor_base = tables_.actors.get();
  std::vector<const signature_scanner*> scanners;
  for (const auto& w : rx_.workers) {
    scanners.push_back(w->scanner());
  }
  const app_options& o = options_;
  pending_ = std::async(std::launch::async, [&o, cluster_base, signature_base, actor_base,
                                              scanners] {
    loaded r;
    const auto start = clock_type::now();
    if (actor_base != nullptr) {
      auto list = actor_list::load(o.conversation.actors, r.error, actor_base);
      if (!list) {
        return r;
      }
      r.actors = std::make_unique<actor_list>(std::move(*list));
    }
    if (cluster_base != nullptr) {
      auto rules = cluster_rules::load(o.clusters, r.error, cluster_base);
      if (!rules) {
        r.actors.reset();
        return r;
      }
      r.clusters = std::make_unique<cluster_rules>(std::move(*rules));
    }
    if (signature_base != nullptr) {
      r.signatures = signature_db::load(o.signatures, o.signature_cache, r.error, signature_base);
      if (!r.signatures) {
        r.clusters.reset();
        r.actors.reset();
        return r;
      }
      for (const signature_scanner* s : scanners) {
        r.scanner.push_back(s != nullptr ? s->prepare(*r.signatures, r.error) : nullptr);
        if (s != nullptr && !r.scanner.back()) {
          r.clusters.reset();
          r.signatures.reset();
          r.actors.reset();
          r.scanner.clear();
          return r;
        }
      }
    }
    r.seconds = seconds_since(start);
    return r;
  });
}

void rules_reloader::hand_over(loaded next) {
  if (next.clusters) {
    std::fprintf(stderr, "scanscope: reload: clusters %s: %zu rules, %zu clusters counted\n",
                 options_.clusters.c_str(), next.clusters->rules().size(),
                 next.clusters->size());
  }
  if (next.signatures) {
    const signature_db& db = *next.signatures;
    std::fprintf(stderr,
                 "scanscope: reload: signatures %s: %zu rules (%zu slots, %zu retired), %s, "
                 "%.2f s\n",
                 options_.signatures.c_str(), db.active_rules(), db.rules().size(),
                 db.rules().size() - db.active_rules(), db.origin_note().c_str(), next.seconds);
  }
  if (next.actors) {
    std::fprintf(stderr, "scanscope: reload: actors %s: %zu known scanners\n",
                 options_.conversation.actors.c_str(), next.actors->actors().size());
  }
  next_actors_ = std::move(next.actors);
  next_clusters_ = std::move(next.clusters);
  next_signatures_ = std::move(next.signatures);
  taken_.assign(rx_.workers.size(), false);
  for (size_t i = 0; i < rx_.workers.size(); ++i) {
    auto update = std::make_unique<rule_update>();
    update->clusters = next_clusters_.get();
    update->actors = next_actors_.get();
    if (i < next.scanner.size()) {
      update->signatures = std::move(next.scanner[i]);
    }
    rx_.workers[i]->offer(std::move(update));
  }
  handing_over_ = true;
}

bool rules_reloader::poll() {
  if (pending_.valid() &&
      pending_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    loaded next = pending_.get();
    if (!next.error.empty()) {
      std::fprintf(stderr, "scanscope: reload: %s; keeping the rules in use\n",
                   next.error.c_str());
    } else {
      hand_over(std::move(next));
    }
  }
  if (!handing_over_) {
    return false;
  }
  for (size_t i = 0; i < rx_.workers.size(); ++i) {
    if (!taken_[i]) {
      // What comes back holds the old rules' scratch and streams: freed here, off the lcore.
      taken_[i] = rx_.workers[i]->take_applied() != nullptr;
    }
  }
  if (!std::all_of(taken_.begin(), taken_.end(), [](bool t) { return t; })) {
    return false;
  }
  // No lcore uses the old rules any more.
  if (next_clusters_) {
    tables_.clusters = std::move(next_clusters_);
  }
  if (next_signatures_) {
    tables_.signatures = std::move(next_signatures_);
  }
  if (next_actors_) {
    tables_.actors = std::move(next_actors_);
  }
  handing_over_ = false;
  std::fprintf(stderr, "scanscope: reload: new rules in use on %zu RX lcores\n",
               rx_.workers.size());
  return true;
}

}  // namespace scanscope
