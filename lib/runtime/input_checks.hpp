#pragma once
/**
 * @file
 * Quick checks of what the options name, made before the slow start-up (payload rules,
 * location database, EAL), so a typing mistake is reported in a moment, not after seconds:
 * the files named exist, the listen address can be bound, the output folders are writable, the
 * captures open.
 */

#include <string>
#include <vector>

#include "runtime/option_checks.hpp"
#include "runtime/options.hpp"

namespace scanscope {

/** The captures of --pcap sorted into those that open and those that do not. */
struct capture_check {
  std::vector<std::string> readable; /**< in the order given */
  std::vector<std::string> problems; /**< one message per capture that cannot be read */
};

/**
 * Check files, the listen address (a run that will serve binds it once and lets go) and output
 * folders.
 * @return the first problem's option and message (a usage error: exit 2), or both empty
 */
option_error check_named_paths(const app_options& o);

/** Open each capture of --pcap once (header and link type). */
capture_check check_captures(const std::vector<std::string>& pcaps);

}  // namespace scanscope
