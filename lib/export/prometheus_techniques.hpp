#pragma once
/**
 * @file
 * The scan-technique families of /metrics: frames and distinct sources by technique, overall
 * and per watched port.
 */

#include <string>

#include "stats/traffic_snapshot.hpp"
#include "stats/watched_ports.hpp"

namespace scanscope {

void write_technique_families(std::string& out, const traffic_snapshot& t,
                              const watched_ports& ports);

}  // namespace scanscope
