// The RX lcores of a run: their workers (each one's config), the responder's share, the
// launch, the mbuf pool and the lcore count EAL must give.
#include "runtime/run_context.hpp"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <algorithm>

namespace scanscope {

std::vector<lcore_view> rx_lcores::views() const {
  std::vector<lcore_view> out;
  for (const auto& w : workers) {
    out.push_back(view_of(*w));
  }
  return out;
}

std::vector<bucket_series*> rx_lcores::series() const {
  std::vector<bucket_series*> out;
  for (const auto& w : workers) {
    out.push_back(&w->series());
  }
  return out;
}

uint64_t rx_lcores::last_time_ns() const {
  uint64_t t = 0;
  for (const auto& w : workers) {
    t = std::max(t, w->counters().last_timestamp_ns.read());
  }
  return t;
}

std::string rx_lcores::add_worker(const app_options& o, const rules_and_databases& tables,
                                  std::string source) {
  worker_config config;
  config.ports = &tables.ports;
  config.clusters = tables.clusters.get();
  config.source_capacity = o.source_capacity;
  config.source_idle_ns = static_cast<uint64_t>(o.source_idle * 1e9);
  config.unique_slots = o.unique_slots;
  config.fingerprint_slots = o.fingerprint_slots;
  config.signatures = tables.signatures.get();
  config.geo = tables.geo.get();
  config.actors = tables.actors.get();
  config.bucket_ns = static_cast<uint64_t>(o.bucket * 1e9);
  config.bucket_entries = o.bucket_entries;
  config.bucket_unique_slots = o.bucket_unique_slots;
  // The source store and the fleet store take a bucket's sources from its arrivals.
  config.alert_slots = o.events.enabled() ? o.events.alert_slots : 0;
  config.bucket_arrivals = o.fleet.clickhouse.empty() && !o.store.enabled() ? 0 : o.store.arrivals;
  config.flow_capacity = o.flow_capacity;
  config.flow_idle_ns = static_cast<uint64_t>(o.flow_idle * 1e9);
  config.scan_bytes = o.scan_bytes;
  if (!o.conversation.monitored_prefixes.empty()) {
    config.monitored = &o.conversation.monitored_prefixes;
  }
  config.respond = respond.get();
  if (!respond && o.conversation.emulation.any()) {
    config.observe = &o.conversation.emulation;
  }
  config.exposure_slots = o.conversation.exposure_slots;
  config.name = "rx" + std::to_string(workers.size());
  std::string error;
  auto w = worker::create(config, error);
  if (!w) {
    return error;
  }
  workers.push_back(std::move(w));
  rx_task t;
  t.work = workers.back().get();
  t.burst = static_cast<uint16_t>(o.burst);
  t.source = std::move(source);
  tasks.push_back(std::move(t));
  return {};
}

void rx_lcores::enable_responder(const app_options& o, unsigned lcores) {
  const conversation_settings& c = o.conversation;
  respond = std::make_unique<responder_config>();
  respond->monitored = &c.monitored_prefixes;
  respond->allow = &c.allow_prefixes;
  respond->ports = c.ports;
  respond->window = static_cast<uint16_t>(c.respond_window);
  respond->rate = c.respond_rate / lcores;
  // A tenth of a second's worth at once, at least one.
  respond->burst = static_cast<uint32_t>(std::max(1.0, respond->rate / 10));
  respond->source_rate = c.respond_source_rate;
  respond->source_burst = c.respond_source_burst;
  respond->cookies = &cookies;
  respond->timeout_ns = static_cast<uint64_t>(c.respond_timeout * 1e9);
  respond->waiting_slots = c.respond_waiting;
  respond->emulation = &c.emulation;
  respond->conversation_slots = c.emulate_conversations;
  respond->conversation_buffers = c.emulate_buffers;
  respond->source_conversations = c.emulate_source_conversations;
}

std::string rx_lcores::launch() {
  size_t i = 0;
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (i == tasks.size()) {
      break;
    }
    tasks[i].lcore_id = lcore;
    const int rc = rte_eal_remote_launch(rx_lcore_main, &tasks[i], lcore);
    if (rc != 0) {
      return "cannot launch RX lcore " + std::to_string(lcore) + ": " + rte_strerror(-rc);
    }
    ++i;
  }
  return {};
}

std::vector<lcore_summary> rx_lcores::summaries() const {
  std::vector<lcore_summary> out;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const lcore_counters& c = workers[i]->counters();
    const uint64_t total = c.total_cycles.read();
    out.push_back({tasks[i].lcore_id, tasks[i].source, c.total.packets.read(),
                   total ? static_cast<double>(c.busy_cycles.read()) / total : 0.0});
  }
  return out;
}

std::string check_lcores(unsigned needed) {
  const unsigned have = rte_lcore_count() - 1;
  if (have < needed) {
    return "need " + std::to_string(needed) + " RX lcores besides the main lcore, EAL gave " +
           std::to_string(have) + " (use -l/--lcores, e.g. -l 0-" + std::to_string(needed) + ")";
  }
  return {};
}

rte_mempool* create_pool(unsigned mbufs, const app_options& o, std::string& error) {
  rte_mempool* pool = rte_pktmbuf_pool_create("scanscope_pool", mbufs, o.mbuf_cache, 0,
                                              static_cast<uint16_t>(o.mbuf_size),
                                              static_cast<int>(rte_socket_id()));
  if (pool == nullptr) {
    error = "cannot create a pool of " + std::to_string(mbufs) + " mbufs of " +
            std::to_string(o.mbuf_size) + " bytes: " + rte_strerror(rte_errno) +
            " (lower --mbufs or raise --memory)";
  }
  return pool;
}

}  // namespace scanscope
