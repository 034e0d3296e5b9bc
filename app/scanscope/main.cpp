// scanscope: scan-traffic sensor. Options, EAL, ports and lcores here; the packet work lives in
// lib/ (see DESIGN.md for the data flow).

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <deque>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "device_ports.hpp"
#include "eal_setup.hpp"
#include "export/json_report.hpp"
#include "export/summary_table.hpp"
#include "geo/location_db.hpp"
#include "options.hpp"
#include "pipeline/offline_feeder.hpp"
#include "pipeline/packet_meta.hpp"
#include "rx_lcore.hpp"
#include "series_clock.hpp"

namespace scanscope {

namespace {

// The only state a signal handler touches.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void on_signal(int) {
  stop_requested.store(true, std::memory_order_relaxed);
}

constexpr int exit_ok = 0;
constexpr int exit_runtime_error = 1;
constexpr int exit_usage = 2;
constexpr int exit_damaged_input = 3;

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/** Read-only tables every worker shares. */
struct analysis_tables {
  watched_ports ports;
  cluster_rules clusters;
  std::unique_ptr<signature_db> signatures;  // null: no payload scanning
  std::unique_ptr<location_db> geo;          // null: every country "ZZ"
  double geo_load_seconds = 0;

  size_t rule_count() const { return signatures ? signatures->rules().size() : 0; }
};

/** Workers and what they poll, owned by the main lcore for the whole run. */
struct rx_lcores {
  std::vector<std::unique_ptr<worker>> workers;
  std::vector<rx_task> tasks;

  std::vector<lcore_view> views() const {
    std::vector<lcore_view> out;
    for (const auto& w : workers) {
      out.push_back({&w->counters(), &w->fingerprints(), &w->sources(), &w->uniques(), w->scanner(),
                     w->scanner() ? &w->signature_counts() : nullptr,
                     w->scanner() ? &w->signature_totals() : nullptr, &w->country_counts(),
                     &w->country_totals()});
    }
    return out;
  }

  std::vector<bucket_series*> series() const {
    std::vector<bucket_series*> out;
    for (const auto& w : workers) {
      out.push_back(&w->series());
    }
    return out;
  }

  /** Latest packet time any lcore saw (0: none). */
  uint64_t last_time_ns() const {
    uint64_t t = 0;
    for (const auto& w : workers) {
      t = std::max(t, w->counters().last_timestamp_ns.read());
    }
    return t;
  }

  /** Add a worker for one RX lcore. */
  std::string add_worker(const app_options& o, const analysis_tables& tables) {
    worker_config config;
    config.ports = &tables.ports;
    config.clusters = &tables.clusters;
    config.source_capacity = o.source_capacity;
    config.source_idle_ns = static_cast<uint64_t>(o.source_idle * 1e9);
    config.unique_slots = o.unique_slots;
    config.fingerprint_slots = o.fingerprint_slots;
    config.signatures = tables.signatures.get();
    config.geo = tables.geo.get();
    config.bucket_ns = static_cast<uint64_t>(o.bucket * 1e9);
    config.bucket_entries = o.bucket_entries;
    config.bucket_unique_slots = o.bucket_unique_slots;
    config.flow_capacity = o.flow_capacity;
    config.flow_idle_ns = static_cast<uint64_t>(o.flow_idle * 1e9);
    config.scan_bytes = o.scan_bytes;
    config.socket = static_cast<int>(rte_socket_id());
    config.name = "rx" + std::to_string(workers.size());
    std::string error;
    auto w = worker::create(config, error);
    if (!w) {
      return error;
    }
    workers.push_back(std::move(w));
    return {};
  }

  /** Launch one task per worker lcore, in lcore order. */
  std::string launch() {
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

  std::vector<lcore_summary> summaries() const {
    std::vector<lcore_summary> out;
    for (size_t i = 0; i < tasks.size(); ++i) {
      const lcore_counters& c = workers[i]->counters();
      const uint64_t total = c.total_cycles.read();
      out.push_back({tasks[i].lcore_id, tasks[i].source, c.total.packets.read(),
                     total ? static_cast<double>(c.busy_cycles.read()) / total : 0.0});
    }
    return out;
  }
};

uint64_t wall_clock_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

surge_settings surge_settings_of(const app_options& o) {
  surge_settings s;
  s.ratio = o.surge_ratio;
  s.iqr_k = o.surge_iqr;
  s.min_count = o.surge_min_count;
  s.window = o.surge_window;
  s.min_history = o.surge_min_history;
  return s;
}

/** One log line per surge that opens or ends. */
std::string describe_surge(const surge_event& e, const analysis_tables& t, uint64_t width_ns) {
  const std::string port = e.port == watched_ports::other_index
                               ? std::string("other ports")
                               : std::to_string(t.ports.at(e.port).port) + "/" +
                                     transport_name(t.ports.at(e.port).proto);
  std::string what = port;
  if (e.scope == surge_scope::port_country) {
    what += " from " + std::string(t.geo ? t.geo->country_code(static_cast<uint8_t>(e.dim))
                                         : "ZZ");
  } else if (e.scope == surge_scope::port_cluster) {
    what += " cluster " + t.clusters.name(e.dim);
  }
  char line[256];
  if (e.end < 0) {
    std::snprintf(line, sizeof line,
                  "surge on %s from %s: %llu packets, %.1f times the median of %.1f",
                  what.c_str(),
                  format_utc(static_cast<uint64_t>(e.start) * width_ns).c_str(),
                  static_cast<unsigned long long>(e.packets), e.ratio, e.baseline);
  } else {
    std::snprintf(line, sizeof line, "surge on %s ended at %s (peak %.1f times)", what.c_str(),
                  format_utc(static_cast<uint64_t>(e.end) * width_ns).c_str(), e.peak_ratio);
  }
  return line;
}

series_clock make_series_clock(series_store& store, const app_options& o,
                               const analysis_tables& tables) {
  const auto width = static_cast<uint64_t>(o.bucket * 1e9);
  return series_clock(store, width, static_cast<uint64_t>(o.bucket_grace * 1e9),
                      [&tables, width](const surge_event& e) {
                        return describe_surge(e, tables, width);
                      });
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

int finish(run_report& report, const rx_lcores& rx, const analysis_tables& tables,
           const app_options& o, const series_store& series) {
  const watched_ports& ports = tables.ports;
  report.series = &series;
  report.bucket_ns = static_cast<uint64_t>(o.bucket * 1e9);
  for (const auto& w : rx.workers) {
    report.bucket_late += w->series().late().read();
    report.bucket_overflow += w->series().overflow().read();
  }
  report.traffic = fold_counters(rx.views(), ports.size(), o.top_ports, tables.rule_count());
  for (size_t i = 0; i < tables.clusters.size(); ++i) {
    report.cluster_names.push_back(tables.clusters.name(i));
  }
  if (tables.signatures) {
    for (const signature_rule& r : tables.signatures->rules()) {
      report.rules.push_back({r.id, r.name, r.category});
    }
  }
  if (tables.geo) {
    for (size_t c = 0; c < tables.geo->country_count(); ++c) {
      report.country_codes.emplace_back(tables.geo->country_code(static_cast<uint8_t>(c)));
    }
    report.geo.path = tables.geo->path();
    report.geo.vendor = tables.geo->vendor();
    report.geo.created =
        format_utc(static_cast<uint64_t>(tables.geo->created_at()) * 1000000000ULL);
    report.geo.networks_v4 = tables.geo->networks_v4();
    report.geo.networks_v6 = tables.geo->networks_v6();
    report.geo.load_seconds = tables.geo_load_seconds;
  } else {
    report.country_codes.emplace_back("ZZ");
  }
  report.lcores = rx.summaries();
  std::cout << render_summary_table(report, ports) << std::flush;
  if (!o.json_out.empty()) {
    const std::string e = write_json_report(o.json_out, report, ports);
    if (!e.empty()) {
      std::cerr << "scanscope: " << e << "\n";
      return exit_runtime_error;
    }
    std::cerr << "scanscope: report written to " << o.json_out << "\n";
  }
  if (report.input_errors != 0) {
    std::cerr << "scanscope: " << report.input_error << "\n";
    return exit_damaged_input;
  }
  return exit_ok;
}

/** Read each capture in turn into the rings; stops at the first damaged or unreadable one. */
feeder_result feed_captures(const app_options& o, rte_mempool* pool,
                            const std::vector<rte_ring*>& rings, const bucket_hooks& hooks) {
  feeder_result total;
  for (const std::string& path : o.pcaps) {
    std::string error;
    auto feeder = offline_feeder::open(path, error);
    if (!feeder) {
      ++total.errors;
      total.error = error;
      break;
    }
    if (!o.quiet) {
      std::cerr << "scanscope: reading " << path << " (" << feeder->link_name() << ")\n";
    }
    const auto start = clock_type::now();
    uint64_t last_records = 0;
    auto last_tick = start;
    auto progress = [&](const feeder_progress& p) {
      if (o.quiet) {
        return;
      }
      const double dt = std::chrono::duration<double>(clock_type::now() - last_tick).count();
      std::fprintf(stderr, "scanscope: %llu records, %.0f%% of the file, %.0f records/s\n",
                   static_cast<unsigned long long>(p.records),
                   p.file_size ? 100.0 * static_cast<double>(p.file_offset) / p.file_size : 0.0,
                   dt > 0 ? static_cast<double>(p.records - last_records) / dt : 0.0);
      last_records = p.records;
      last_tick = clock_type::now();
    };
    const feeder_result r =
        feeder->run(pool, rings, stop_requested, progress, o.status_interval, hooks);
    total.records += r.records;
    total.clipped_records += r.clipped_records;
    total.errors += r.errors;
    if (total.error.empty()) {
      total.error = r.error;
    }
    if (r.interrupted || r.errors != 0) {
      total.interrupted = r.interrupted;
      break;
    }
  }
  return total;
}

int run_offline(const app_options& o, const analysis_tables& tables) {
  std::string error;
  // Refuse unreadable captures before EAL work starts, with the file named.
  for (const std::string& path : o.pcaps) {
    if (!offline_feeder::open(path, error)) {
      std::cerr << "scanscope: " << error << "\n";
      return exit_usage;
    }
  }
  if (error = check_lcores(o.workers); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_usage;
  }
  // Every ring full, every lcore cache full, plus a burst in hand on each side.
  const unsigned mbufs =
      o.mbufs ? o.mbufs : o.workers * (o.ring_size + 2 * o.mbuf_cache + 2 * o.burst) + 1024;
  rte_mempool* pool = create_pool(mbufs, o, error);
  if (pool == nullptr) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_runtime_error;
  }
  std::atomic<bool> input_done{false};
  rx_lcores rx;
  std::vector<rte_ring*> rings;
  std::deque<std::atomic<uint64_t>> processed(o.workers);
  for (unsigned i = 0; i < o.workers; ++i) {
    const std::string name = "scanscope_rx" + std::to_string(i);
    rte_ring* ring = rte_ring_create(name.c_str(), o.ring_size, static_cast<int>(rte_socket_id()),
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (ring == nullptr) {
      std::cerr << "scanscope: cannot create ring " << name << ": " << rte_strerror(rte_errno)
                << "\n";
      return exit_runtime_error;
    }
    rings.push_back(ring);
    if (error = rx.add_worker(o, tables); !error.empty()) {
      std::cerr << "scanscope: " << error << "\n";
      return exit_runtime_error;
    }
    rx_task t;
    t.work = rx.workers.back().get();
    t.ring = ring;
    t.burst = static_cast<uint16_t>(o.burst);
    t.input_done = &input_done;
    t.processed = &processed[i];
    t.source = "pcap ring " + std::to_string(i);
    rx.tasks.push_back(t);
  }
  if (error = rx.launch(); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    input_done.store(true, std::memory_order_release);
    rte_eal_mp_wait_lcore();
    return exit_runtime_error;
  }

  series_store store(o.retention, surge_settings_of(o));
  series_clock clock = make_series_clock(store, o, tables);
  clock.set_lcores(rx.series());
  bucket_hooks hooks;
  hooks.due = [&](uint64_t t) { return clock.due(t); };
  hooks.close = [&](uint64_t t, const std::vector<uint64_t>& enqueued) {
    // Every frame handed out must be counted before its bucket closes.
    for (size_t i = 0; i < enqueued.size(); ++i) {
      while (processed[i].load(std::memory_order_acquire) < enqueued[i]) {
        rte_pause();
      }
    }
    clock.close_until(t);
  };
  const auto start = clock_type::now();
  const feeder_result fed = feed_captures(o, pool, rings, hooks);
  input_done.store(true, std::memory_order_release);
  rte_eal_mp_wait_lcore();

  run_report report;
  report.mode = "pcap";
  for (const std::string& path : o.pcaps) {
    report.input += (report.input.empty() ? "" : ",") + path;
  }
  report.elapsed_seconds = seconds_since(start);
  report.interrupted = fed.interrupted;
  report.input_errors = fed.errors;
  report.input_error = fed.error;
  if (fed.clipped_records != 0) {
    std::cerr << "scanscope: " << fed.clipped_records
              << " records were longer than an mbuf and were clipped (raise --mbuf-size)\n";
  }
  clock.close_all(rx.last_time_ns());
  const int rc = finish(report, rx, tables, o, store);
  for (rte_ring* r : rings) {
    rte_ring_free(r);
  }
  rte_mempool_free(pool);
  return rc;
}

int run_live(const app_options& o, const analysis_tables& tables) {
  const watched_ports& ports = tables.ports;
  std::string error;
  const std::vector<uint16_t> port_ids = select_ports(o.ports, error);
  if (port_ids.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_usage;
  }
  const unsigned rx_count = static_cast<unsigned>(port_ids.size()) * o.queues;
  if (error = check_lcores(rx_count); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_usage;
  }
  // Each RX ring full, each lcore cache full, a burst in hand per lcore, and slack.
  const unsigned mbufs =
      o.mbufs ? o.mbufs : rx_count * (o.rx_descriptors + o.mbuf_cache + o.burst) + 2048;
  rte_mempool* pool = create_pool(mbufs, o, error);
  if (pool == nullptr) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_runtime_error;
  }
  const std::vector<rx_queue_ref> queues = start_ports(port_ids, o, pool, error);
  if (queues.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_runtime_error;
  }
  rx_lcores rx;
  for (const rx_queue_ref& q : queues) {
    if (error = rx.add_worker(o, tables); !error.empty()) {
      std::cerr << "scanscope: " << error << "\n";
      stop_ports(port_ids);
      return exit_runtime_error;
    }
    rx_task t;
    t.work = rx.workers.back().get();
    t.queue = q;
    t.burst = static_cast<uint16_t>(o.burst);
    t.stop = &stop_requested;
    t.source = "port " + std::to_string(q.port_id) + " queue " + std::to_string(q.queue);
    rx.tasks.push_back(t);
  }
  if (error = rx.launch(); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    stop_requested = true;
    rte_eal_mp_wait_lcore();
    return exit_runtime_error;
  }

  series_store store(o.retention, surge_settings_of(o));
  series_clock clock = make_series_clock(store, o, tables);
  clock.set_lcores(rx.series());

  // The stats loop: the main lcore folds, prints and watches the clock.
  const auto start = clock_type::now();
  auto last_status = start;
  traffic_snapshot before = fold_counters(rx.views(), ports.size(), 3, tables.rule_count());
  bool timed_out = false;
  while (!stop_requested.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    clock.close_until(wall_clock_ns());
    if (o.duration > 0 && seconds_since(start) >= o.duration) {
      timed_out = true;
      break;
    }
    const double since = std::chrono::duration<double>(clock_type::now() - last_status).count();
    if (since >= o.status_interval) {
      traffic_snapshot now = fold_counters(rx.views(), ports.size(), 3, tables.rule_count());
      uint64_t drops = 0;
      for (const device_counters& d : read_device_counters(port_ids)) {
        drops += d.imissed + d.ierrors + d.rx_nombuf;
      }
      if (!o.quiet) {
        std::fprintf(stderr, "%s\n", render_status_line(now, before, since, drops, ports).c_str());
      }
      before = std::move(now);
      last_status = clock_type::now();
    }
  }
  const bool interrupted = !timed_out;
  stop_requested.store(true, std::memory_order_relaxed);
  rte_eal_mp_wait_lcore();

  run_report report;
  report.mode = "live";
  for (uint16_t p : port_ids) {
    report.input += (report.input.empty() ? "" : ",") + std::to_string(p);
  }
  report.input = "ports " + report.input;
  report.elapsed_seconds = seconds_since(start);
  report.interrupted = interrupted;
  report.devices = read_device_counters(port_ids);
  stop_ports(port_ids);
  clock.close_all(wall_clock_ns());
  const int rc = finish(report, rx, tables, o, store);
  rte_mempool_free(pool);
  return rc;
}

int run(int argc, char** argv) {
  parse_outcome parsed = parse_options(argc, argv, "config/scanscope.conf");
  if (!parsed.options) {
    return parsed.exit_code;
  }
  const app_options& o = *parsed.options;
  std::string error;
  auto ports = watched_ports::build(o.watch, error);
  if (!ports) {
    std::cerr << "scanscope: option 'watch-port': " << error << "\n";
    return exit_usage;
  }
  std::optional<cluster_rules> clusters;
  if (!o.clusters.empty()) {
    clusters = cluster_rules::load(o.clusters, error);
  } else {
    clusters = cluster_rules::parse(cluster_rules::default_text(), "built-in cluster rules", error);
  }
  if (!clusters) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_usage;
  }
  std::unique_ptr<signature_db> signatures;
  if (!o.signatures.empty() && o.signatures != "none") {
    const auto start = clock_type::now();
    signatures = signature_db::load(o.signatures, o.signature_cache, error);
    if (!signatures) {
      std::cerr << "scanscope: " << error << "\n";
      return exit_usage;
    }
    if (!o.quiet) {
      std::fprintf(stderr, "scanscope: %zu payload rules from %s, %s in %.2f s\n",
                   signatures->rules().size(), o.signatures.c_str(),
                   signatures->origin_note().c_str(), seconds_since(start));
    }
  }
  std::unique_ptr<location_db> geo;
  double geo_seconds = 0;
  if (o.geo_db != "none") {
    const auto start = clock_type::now();
    geo = location_db::load(o.geo_db, error);
    geo_seconds = seconds_since(start);
    if (!geo && !o.geo_db.empty()) {
      std::cerr << "scanscope: " << error << "\n";
      return exit_usage;
    }
    if (!geo) {
      std::cerr << "scanscope: " << error << "; every source country is ZZ\n";
    } else if (!o.quiet) {
      std::fprintf(stderr,
                   "scanscope: location database %s (%s, %s): %zu IPv4 and %zu IPv6 networks "
                   "in %.2f s\n",
                   geo->path().c_str(), geo->vendor().c_str(),
                   format_utc(static_cast<uint64_t>(geo->created_at()) * 1000000000ULL)
                       .substr(0, 10)
                       .c_str(),
                   geo->networks_v4(), geo->networks_v6(), geo_seconds);
    }
  }
  const analysis_tables tables{std::move(*ports), std::move(*clusters), std::move(signatures),
                               std::move(geo), geo_seconds};
  const bool offline = !o.pcaps.empty();
  std::vector<std::string> eal = o.eal_args;
  if (eal.empty()) {
    eal = default_eal_args(o, offline ? o.workers + 1 : 2);
  } else {
    eal.insert(eal.begin(), argv[0]);
  }
  if (!o.quiet && !o.config_path.empty()) {
    std::cerr << "scanscope: config " << o.config_path << "\n";
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (error = init_eal(eal); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_runtime_error;
  }
  int rc = exit_runtime_error;
  if (error = register_packet_meta(); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
  } else {
    rc = offline ? run_offline(o, tables) : run_live(o, tables);
  }
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  if (o.eal_args.empty()) {
    // The private runtime folder scanscope asked EAL for (see default_eal_args) would
    // otherwise stay behind after every offline run.
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir, ignored);
  }
  return rc;
}

}  // namespace

}  // namespace scanscope

int main(int argc, char** argv) {
  return scanscope::run(argc, argv);
}
