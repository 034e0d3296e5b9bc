#pragma once
/**
 * @file
 * Small helpers for the text scanscope reads (config, ports, scenarios, hex in requests).
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

/**
 * The bytes `hex` writes as hex digits (two a byte, either case) into `out`.
 * @return how many, or -1 for an odd length, a character that is not a hex digit, or more
 *   bytes than `room`
 */
inline long decode_hex(std::string_view hex, uint8_t* out, size_t room) {
  const auto digit = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  if (hex.size() % 2 != 0 || hex.size() / 2 > room) {
    return -1;
  }
  for (size_t i = 0; i < hex.size() / 2; ++i) {
    const int hi = digit(hex[2 * i]);
    const int lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return -1;
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return static_cast<long>(hex.size() / 2);
}

}  // namespace scanscope
