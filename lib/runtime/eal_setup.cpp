#include "runtime/eal_setup.hpp"

#include <net/if.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace scanscope {

namespace {

/** Hugepages the kernel has reserved, of every size (HugePages_Total of /proc/meminfo counts
 *  only the default size). */
uint64_t hugepages_reserved() {
  uint64_t total = 0;
  for (const char* size : {"hugepages-2048kB", "hugepages-1048576kB"}) {
    std::ifstream in(std::string("/sys/kernel/mm/hugepages/") + size + "/nr_hugepages");
    uint64_t n = 0;
    if (in >> n) {
      total += n;
    }
  }
  return total;
}

/** What to do when EAL could not start: the likely cause, where one can be told. */
std::string eal_failure_hint(const std::vector<std::string>& args) {
  const bool no_huge = std::find(args.begin(), args.end(), "--no-huge") != args.end();
  if (!no_huge && hugepages_reserved() == 0) {
    return "; no hugepages are reserved: reserve them (scripts/sensor-setup hugepages 2G) or run "
           "without them (EAL argument --no-huge, before '--', e.g. scanscope -l 0-1 --no-huge "
           "--vdev ... -- ...)";
  }
  return {};
}

}  // namespace

std::vector<std::string> default_eal_args(const app_options& o, unsigned lcores) {
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  const std::string cpu_set = cpus > 1 ? "(0-" + std::to_string(cpus - 1) + ")" : "0";
  std::vector<std::string> args = {
      "scanscope",
      "--no-huge",
      "--no-pci",
      // --in-memory refuses --no-huge (it implies legacy memory); a private prefix and no
      // shared config give the same: several runs can share a machine.
      "--no-shconf",
      "--file-prefix=scanscope-" + std::to_string(getpid()),
      "--no-telemetry",
      "-m",
      std::to_string(o.memory_mb),
      // lcore 0 is the main (reader and stats) lcore, 1..N the RX lcores; the kernel places
      // them on any CPU, so an offline run works on a machine with fewer CPUs than lcores.
      "--lcores=(0-" + std::to_string(lcores - 1) + ")@" + cpu_set,
  };
  if (!o.verbose) {
    args.emplace_back("--log-level=lib.eal:warning");
  }
  return args;
}

std::string init_eal(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  // EAL keeps pointers into argv: the strings must live for the whole process.
  static std::vector<std::string> keep;
  keep = args;
  for (std::string& a : keep) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(keep.size()), argv.data()) < 0) {
    return std::string("EAL initialisation failed: ") + rte_strerror(rte_errno) +
           eal_failure_hint(args);
  }
  return {};
}

std::string check_vdev_interfaces(const std::vector<std::string>& eal_args) {
  for (size_t i = 0; i < eal_args.size(); ++i) {
    std::string vdev;
    if (eal_args[i] == "--vdev" && i + 1 < eal_args.size()) {
      vdev = eal_args[i + 1];
    } else if (eal_args[i].rfind("--vdev=", 0) == 0) {
      vdev = eal_args[i].substr(7);
    } else {
      continue;
    }
    std::istringstream parts(vdev);
    std::string part;
    while (std::getline(parts, part, ',')) {
      const size_t eq = part.find('=');
      const std::string key = part.substr(0, eq);
      if (eq == std::string::npos ||
          (key != "iface" && key != "rx_iface" && key != "tx_iface" && key != "rx_iface_in")) {
        continue;
      }
      const std::string name = part.substr(eq + 1);
      if (if_nametoindex(name.c_str()) == 0) {
        return "EAL argument '--vdev " + vdev + "': no network interface '" + name +
               "' on this host (`ip link` lists them)";
      }
    }
  }
  return {};
}

}  // namespace scanscope
