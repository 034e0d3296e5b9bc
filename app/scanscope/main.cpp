// scanscope: scan-traffic sensor. Options, the shared tables and EAL here; the offline and live
// runs in offline_run.cpp and live_run.cpp; the packet work lives in lib/ (see DESIGN.md).

#include <rte_eal.h>
#include <rte_errno.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "runtime/device_ports.hpp"
#include "runtime/eal_setup.hpp"
#include "export/summary_table.hpp"
#include "geo/location_db.hpp"
#include "runtime/reload.hpp"
#include "runtime/input_checks.hpp"
#include "runtime/options.hpp"
#include "pipeline/packet_meta.hpp"
#include "runtime/run_context.hpp"
#include "runtime/telemetry.hpp"

namespace scanscope {

namespace {

// The only state a signal handler touches.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void on_hangup(int) {
  reload_requested().store(true, std::memory_order_relaxed);
}

void on_signal(int) {
  stop_requested.store(true, std::memory_order_relaxed);
}

int run(int argc, char** argv) {
  parse_outcome parsed = parse_options(argc, argv, "config/scanscope.conf");
  if (!parsed.options) {
    if (!parsed.error.empty()) {
      std::cerr << "scanscope: " << parsed.error << "\n";
    }
    return parsed.exit_code;
  }
  const app_options& o = *parsed.options;
  std::string error;
  if (const option_error e = check_named_paths(o); !e.message.empty()) {
    std::cerr << "scanscope: " << parsed.origin_of(e.option) << e.message << "\n";
    return exit_usage;
  }
  if (error = check_vdev_interfaces(o.eal_args); !error.empty()) {
    std::cerr << "scanscope: command line: " << error << "\n";
    return exit_usage;
  }
  const capture_check captures = check_captures(o.pcaps);
  for (const std::string& problem : captures.problems) {
    std::cerr << "scanscope: " << problem
              << (captures.readable.empty() ? "" : " (the other captures are analysed)") << "\n";
  }
  if (!o.pcaps.empty() && captures.readable.empty()) {
    return exit_unreadable_input;
  }
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
  std::unique_ptr<actor_list> actors;
  const std::string& actors_file = o.conversation.actors;
  if (!actors_file.empty() && actors_file != "none") {
    auto list = actor_list::load(actors_file, error);
    if (!list) {
      std::cerr << "scanscope: " << parsed.origin_of("actors") << "option 'actors': " << error
                << "\n";
      return exit_usage;
    }
    actors = std::make_unique<actor_list>(std::move(*list));
    if (!o.quiet) {
      std::fprintf(stderr, "scanscope: %zu known scanners from %s (%zu prefixes, %zu AS numbers)\n",
                   actors->actors().size(), actors_file.c_str(), actors->prefix_count(),
                   actors->as_count());
    }
  }
  std::unique_ptr<location_db> geo;
  double geo_seconds = 0;
  if (o.geo_db != "none") {
    const auto start = clock_type::now();
    if (!o.geo_cache.empty()) {
      std::error_code ignored;
      std::filesystem::create_directories(o.geo_cache, ignored);
    }
    geo = location_db::load(o.geo_db, error, nullptr, o.geo_cache);
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
                   "in %.2f s, %s\n",
                   geo->path().c_str(), geo->vendor().c_str(),
                   format_utc(static_cast<uint64_t>(geo->created_at()) * 1000000000ULL)
                       .substr(0, 10)
                       .c_str(),
                   geo->networks_v4(), geo->networks_v6(), geo_seconds, geo->origin_note().c_str());
    }
  }
  rules_and_databases tables{
      std::move(*ports),     std::make_unique<cluster_rules>(std::move(*clusters)),
      std::move(signatures), std::move(geo),
      geo_seconds,           std::move(actors)};
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
  if (!o.quiet) {
    std::cerr << describe_conversation(o.conversation) << "\n";
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Live: the stats loop reads the location database and the rule files again (reload.hpp).
  // Offline runs ignore it.
  std::signal(SIGHUP, on_hangup);
  if (error = init_eal(eal); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_runtime_error;
  }
  int rc = exit_runtime_error;
  register_telemetry();
  if (error = register_packet_meta(); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
  } else {
    if (o.list_ports) {
      std::fputs(describe_ports().c_str(), stdout);
      rc = exit_ok;
    } else {
      rc = offline ? run_offline(o, tables, stop_requested) : run_live(o, tables, stop_requested);
    }
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
