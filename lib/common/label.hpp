#pragma once
/**
 * @file
 * Names people give things in config and rule files (watched ports, clusters, signatures,
 * categories) end up as report keys and metric label values: keep them to a safe alphabet.
 */

#include <cctype>
#include <string_view>

namespace scanscope {

/** True for 1 to 64 letters, digits, '-', '_' or '.'. */
inline bool is_label(std::string_view s) {
  if (s.empty() || s.size() > 64) {
    return false;
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

/** What a label must be, for error messages. */
inline constexpr const char* label_rule = "1 to 64 letters, digits, '-', '_' or '.'";

}  // namespace scanscope
