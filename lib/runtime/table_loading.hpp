#pragma once
/**
 * @file
 * The tables a run starts from, loaded once at start: the watched ports, the cluster rules, the
 * signature rules, the known scanners and the location database the options name. (A reload
 * reads the rule files again through reload.hpp.)
 */

#include <optional>
#include <string>

#include "runtime/options.hpp"
#include "runtime/run_context.hpp"

namespace scanscope {

/**
 * Everything `o` names, each load said on standard error unless `o.quiet` (a location database
 * that cannot be read where none was named is said and left out: every country is then ZZ).
 * @return null with `error` set, ready to print after "scanscope: "; every failure is a usage
 *   error (a file the options name that is missing or wrong)
 */
std::optional<rules_and_databases> load_tables(const app_options& o, const parse_outcome& parsed,
                                               std::string& error);

}  // namespace scanscope
