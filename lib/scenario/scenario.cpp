#include "scenario/scenario.hpp"

#include <ctime>

#include "common/file_text.hpp"
#include "scenario/scenario_reader.hpp"

namespace scanscope {

std::optional<int64_t> parse_utc_time(std::string_view text) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string s(text);
  if (!s.empty() && s.back() == 'Z') {
    s.pop_back();
  }
  char tail = 0;
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &day, &hour,
                            &minute, &second, &tail);
  if ((n != 5 && n != 6) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 59 || year < 1971 || year > 2099 || hour < 0 || minute < 0 ||
      second < 0) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t t = timegm(&tm);
  if (tm.tm_mday != day) {  // 31 Feb and the like roll over
    return std::nullopt;
  }
  return static_cast<int64_t>(t);
}

const char* probe_tool_name(probe_tool t) {
  static const char* const names[] = {"mirai", "masscan", "zmap", "nmap", "stack"};
  return names[static_cast<size_t>(t)];
}

std::optional<scenario> scenario::parse(std::string_view text, const std::string& origin,
                                        std::string& error) {
  scenario_text::scenario_reader reader(origin, error);
  return reader.read(text);
}

std::optional<scenario> scenario::load(const std::string& path, std::string& error) {
  const std::optional<std::string> text = read_file(path);
  if (!text) {
    error = path + ": cannot open scenario file";
    return std::nullopt;
  }
  return parse(*text, path, error);
}

}  // namespace scanscope
