#pragma once
/**
 * @file
 * The known-scanner families of /metrics: frames and distinct sources per actor (and
 * actor="none"), overall and per watched port.
 */

#include <string>

#include "export/run_report.hpp"

namespace scanscope {

void write_actor_families(std::string& out, const run_report& r, const watched_ports& ports);

}  // namespace scanscope
