#include "runtime/query_parameters.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace scanscope {

/* %XX escapes decoded (browsers escape ':' in times, for one); a '%' not followed by two hex
 * digits is kept as it is, and then fails the parameter's own check. */
std::string percent_decoded(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  const auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 &&
        hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}


std::map<std::string, std::string> parameters(const std::string& target) {
  std::map<std::string, std::string> out;
  const size_t q = target.find('?');
  if (q == std::string::npos) {
    return out;
  }
  size_t at = q + 1;
  while (at <= target.size()) {
    const size_t amp = std::min(target.find('&', at), target.size());
    const std::string pair = target.substr(at, amp - at);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      out[percent_decoded(pair.substr(0, eq))] =
          eq == std::string::npos ? "" : percent_decoded(pair.substr(eq + 1));
    }
    at = amp + 1;
  }
  return out;
}

http_response bad(const std::string& why) {
  return {400, "text/plain; charset=utf-8", why + "\n"};
}


bool parse_time(const std::string& text, uint64_t& seconds) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc{} && end == text.data() + text.size()) {
    seconds = v;
    return true;
  }
  static constexpr char shape[] = "dddd-dd-ddTdd:dd:ddZ";
  if (text.size() != sizeof shape - 1) {
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (shape[i] == 'd' ? !digit : text[i] != shape[i]) {
      return false;
    }
  }
  const auto number = [&text](size_t at, size_t n) { return std::stoi(text.substr(at, n)); };
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(5, 2) - 1;
  tm.tm_mday = number(8, 2);
  tm.tm_hour = number(11, 2);
  tm.tm_min = number(14, 2);
  tm.tm_sec = number(17, 2);
  const std::tm asked = tm;
  const time_t t = timegm(&tm);
  std::tm back{};
  if (t < 0 || gmtime_r(&t, &back) == nullptr) {
    return false;
  }
  // timegm() normalises: a field out of its range comes back changed.
  if (back.tm_year != asked.tm_year || back.tm_mon != asked.tm_mon ||
      back.tm_mday != asked.tm_mday || back.tm_hour != asked.tm_hour ||
      back.tm_min != asked.tm_min || back.tm_sec != asked.tm_sec) {
    return false;
  }
  seconds = static_cast<uint64_t>(t);
  return true;
}

}  // namespace scanscope
