// scanscope: scan-traffic sensor. The options, the tables they name (runtime/table_loading.hpp)
// and EAL here; the offline and live runs in lib/runtime (offline_run.cpp, live_run.cpp).

#include <rte_eal.h>
#include <rte_errno.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "pipeline/packet_meta.hpp"
#include "runtime/device_ports.hpp"
#include "runtime/eal_setup.hpp"
#include "runtime/input_checks.hpp"
#include "runtime/options.hpp"
#include "runtime/reload.hpp"
#include "runtime/run_context.hpp"
#include "runtime/table_loading.hpp"
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
  std::optional<rules_and_databases> loaded = load_tables(o, parsed, error);
  if (!loaded) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_usage;
  }
  rules_and_databases& tables = *loaded;
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
