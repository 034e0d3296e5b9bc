#pragma once
/**
 * @file
 * The ranges and relations of option values, checked once the command line and the config file
 * have both been read.
 */

#include <string>

#include "runtime/options.hpp"

namespace scanscope {

/** A value out of its range: the option and the message (both empty when all is well). */
struct option_error {
  std::string option, message;
};

/** The first option whose value is out of its range or at odds with another. */
option_error check_option_values(const app_options& o);

}  // namespace scanscope
