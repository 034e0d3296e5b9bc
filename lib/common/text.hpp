#pragma once
/**
 * @file
 * Small helpers for the line-oriented files scanscope reads (config, ports, scenarios).
 */

#include <cctype>
#include <charconv>
#include <cstdint>
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

/** An AS number written in decimal, 0 to 4294967295, digits only; false otherwise. */
inline bool parse_as_number(std::string_view text, uint32_t& as) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front()))) {
    return false;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), as);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace scanscope
