#pragma once
/**
 * @file
 * Small helpers for the line-oriented files scanscope reads (config, ports, scenarios).
 */

#include <cctype>
#include <string_view>

namespace scanscope {

/** `s` without leading and trailing white space. */
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace scanscope
