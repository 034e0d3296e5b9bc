#pragma once
/**
 * @file
 * The scenario file reader, shared by its two halves: scenario_reader.cpp (the file and its
 * [scenario] keys) and scenario_campaign_keys.cpp (a [campaign] section's keys and checks).
 * Internal to lib/scenario.
 */

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/text.hpp"
#include "scenario/scenario.hpp"

namespace scanscope::scenario_text {

inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (true) {
    const size_t next = s.find(sep, at);
    out.push_back(trim(s.substr(at, next == std::string_view::npos ? next : next - at)));
    if (next == std::string_view::npos) {
      return out;
    }
    at = next + 1;
  }
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end;
}

inline bool parse_double(std::string_view s, double& out) {
  std::string copy(s);
  char* end = nullptr;
  out = std::strtod(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size() && out >= 0;
}

/** Reads one file's sections; every error is "origin:line: reason". */
class scenario_reader {
 public:
  scenario_reader(const std::string& origin, std::string& error) : origin_(origin), error_(error) {}

  std::optional<scenario> read(std::string_view text);

 private:
  bool fail(const std::string& reason) {
    error_ = origin_ + ":" + std::to_string(line_) + ": " + reason;
    return false;
  }
  /** Sets `out` to what `value` names in `choices`; else fails with "unknown KEY 'VALUE' (the
   *  names)". */
  template <typename T, size_t N>
  bool choose(const char* key, std::string_view value,
              const std::pair<const char*, T> (&choices)[N], T& out) {
    std::string names;
    for (const auto& [name, choice] : choices) {
      if (value == name) {
        out = choice;
        return true;
      }
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    return fail("unknown " + std::string(key) + " '" + std::string(value) + "' (" + names + ")");
  }
  bool scenario_key(std::string_view key, std::string_view value);
  bool campaign_key(campaign& c, std::string_view key, std::string_view value);
  bool finish_campaign(campaign& c);
  /** A [campaign NAME] header: a new campaign, once the scenario's window is known. */
  bool open_campaign(std::string_view name);
  /** A key of the probes' shape (tool, window, ttl, options, sport); nullopt: not one. */
  std::optional<bool> shape_key(campaign& c, std::string_view key, std::string_view value);
  /** `TIME xFACTOR [ramp], ...` in time order. */
  bool parse_profile(std::string_view value, std::vector<rate_point>& profile);
  bool parse_time(std::string_view value, int64_t& out);
  /** What the names of a weighted list are. */
  enum class weight_names { country, payload, as_number };
  bool parse_weights(std::string_view value, std::vector<weighted_name>& out, weight_names names);

  const std::string& origin_;
  std::string& error_;
  int line_ = 0;
  scenario s_;
  std::vector<std::string> seen_keys_;
  bool have_start_ = false, have_end_ = false, have_darknet_ = false;
  bool window_set_ = false, ttl_set_ = false, options_set_ = false, sport_set_ = false;
  bool sources_set_ = false;
};

}  // namespace scanscope::scenario_text
