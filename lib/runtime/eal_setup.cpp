#include "runtime/eal_setup.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

namespace scanscope {

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
    return std::string("EAL initialisation failed: ") + rte_strerror(rte_errno);
  }
  return {};
}

}  // namespace scanscope
