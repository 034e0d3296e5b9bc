#pragma once
/**
 * @file
 * EAL start-up. When the command line has no `--`, scanscope sets EAL up itself for an offline
 * run: no hugepages, no PCI scan, private memory, and lcores floating over the machine's CPUs.
 */

#include <string>
#include <vector>

#include "runtime/options.hpp"

namespace scanscope {

/** EAL arguments scanscope uses when the user gives none. */
std::vector<std::string> default_eal_args(const app_options& o, unsigned lcores);

/**
 * Start EAL with `args` (args[0] is the program name).
 * @return empty on success, else a message with DPDK's reason
 */
std::string init_eal(const std::vector<std::string>& args);

}  // namespace scanscope
