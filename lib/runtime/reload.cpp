#include "runtime/reload.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace scanscope {

std::atomic<bool>& reload_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

void reloader::load_rules(const app_options& o, const cluster_rules* cluster_base,
                          const signature_db* signature_base, const actor_list* actor_base,
                          const std::vector<const signature_scanner*>& scanners, loaded& r) {
  const auto start = clock_type::now();
  // All or none of the rule files: a cluster file that loads next to a broken signature file
  // is kept back too, so the lcores never run half a reload.
  const auto fail = [&r] {
    r.clusters.reset();
    r.signatures.reset();
    r.actors.reset();
    r.scanner.clear();
  };
  if (actor_base != nullptr) {
    auto list = actor_list::load(o.conversation.actors, r.rules_error, actor_base);
    if (!list) {
      return fail();
    }
    r.actors = std::make_unique<actor_list>(std::move(*list));
  }
  if (cluster_base != nullptr) {
    auto rules = cluster_rules::load(o.clusters, r.rules_error, cluster_base);
    if (!rules) {
      return fail();
    }
    r.clusters = std::make_unique<cluster_rules>(std::move(*rules));
  }
  if (signature_base != nullptr) {
    r.signatures = signature_db::load(o.signatures, o.signature_cache, r.rules_error,
                                      signature_base);
    if (!r.signatures) {
      return fail();
    }
    for (const signature_scanner* s : scanners) {
      r.scanner.push_back(s != nullptr ? s->prepare(*r.signatures, r.rules_error) : nullptr);
      if (s != nullptr && !r.scanner.back()) {
        return fail();
      }
    }
  }
  r.rules_seconds = seconds_since(start);
}

void reloader::start() {
  if (pending_.valid() || handing_over_) {
    std::fprintf(stderr, "scanscope: reload: the previous reload is still going on\n");
    return;
  }
  const bool geo = options_.geo_db != "none";
  const bool clusters = !options_.clusters.empty();
  const bool signatures = tables_.signatures != nullptr;
  const bool actors = tables_.actors != nullptr;
  if (!geo) {
    std::fprintf(stderr, "scanscope: reload: no location database configured (geo-db none)\n");
  }
  if (!clusters) {
    std::fprintf(stderr, "scanscope: reload: built-in cluster rules (no clusters file) stay\n");
  }
  if (!signatures) {
    std::fprintf(stderr,
                 "scanscope: reload: payload scanning is off; a restart with a signatures file "
                 "turns it on\n");
  }
  if (!geo && !clusters && !signatures && !actors) {
    return;
  }
  // What is in use seeds the new tables' slots. Nothing the task reads changes before the
  // hand-over ends: the tables change only at its end, on this thread.
  const location_db* geo_base = geo ? tables_.geo.get() : nullptr;
  const cluster_rules* cluster_base = clusters ? tables_.clusters.get() : nullptr;
  const signature_db* signature_base = tables_.signatures.get();
  const actor_list* actor_base = tables_.actors.get();
  std::vector<const signature_scanner*> scanners;
  for (const auto& w : rx_.workers) {
    scanners.push_back(w->scanner());
  }
  const app_options& o = options_;
  pending_ = std::async(std::launch::async, [&o, geo, geo_base, cluster_base, signature_base,
                                              actor_base, scanners] {
    loaded r;
    if (geo) {
      const auto start = clock_type::now();
      r.geo = location_db::load(o.geo_db, r.geo_error, geo_base);
      r.geo_seconds = seconds_since(start);
    }
    load_rules(o, cluster_base, signature_base, actor_base, scanners, r);
    return r;
  });
}

void reloader::hand_over(loaded next) {
  if (next.geo) {
    std::fprintf(stderr,
                 "scanscope: reload: location database %s: %zu IPv4 and %zu IPv6 networks in "
                 "%.2f s\n",
                 next.geo->path().c_str(), next.geo->networks_v4(), next.geo->networks_v6(),
                 next.geo_seconds);
  }
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
                 db.rules().size() - db.active_rules(), db.origin_note().c_str(),
                 next.rules_seconds);
  }
  if (next.actors) {
    std::fprintf(stderr, "scanscope: reload: actors %s: %zu known scanners\n",
                 options_.conversation.actors.c_str(), next.actors->actors().size());
  }
  next_geo_ = std::move(next.geo);
  next_actors_ = std::move(next.actors);
  next_clusters_ = std::move(next.clusters);
  next_signatures_ = std::move(next.signatures);
  taken_.assign(rx_.workers.size(), false);
  for (size_t i = 0; i < rx_.workers.size(); ++i) {
    auto update = std::make_unique<rule_update>();
    update->geo = next_geo_.get();
    update->clusters = next_clusters_.get();
    update->actors = next_actors_.get();
    if (i < next.scanner.size()) {
      update->signatures = std::move(next.scanner[i]);
    }
    rx_.workers[i]->offer(std::move(update));
  }
  handing_over_ = true;
}

bool reloader::poll() {
  if (pending_.valid() &&
      pending_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    loaded next = pending_.get();
    if (!next.geo_error.empty()) {
      std::fprintf(stderr, "scanscope: reload: %s; keeping the current location database\n",
                   next.geo_error.c_str());
    }
    if (!next.rules_error.empty()) {
      std::fprintf(stderr, "scanscope: reload: %s; keeping the rules in use\n",
                   next.rules_error.c_str());
    }
    if (next.geo || next.clusters || next.signatures || next.actors) {
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
  // No lcore uses the old tables any more.
  if (next_geo_) {
    tables_.geo = std::move(next_geo_);
    std::fprintf(stderr, "scanscope: reload: new location database in use on %zu RX lcores\n",
                 rx_.workers.size());
  }
  const bool rules = next_clusters_ || next_signatures_ || next_actors_;
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
  if (rules) {
    std::fprintf(stderr, "scanscope: reload: new rules in use on %zu RX lcores\n",
                 rx_.workers.size());
  }
  return true;
}

}  // namespace scanscope
