#include "scenario/scenario_reader.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>

#include "scenario/payload_template.hpp"

namespace scanscope::scenario_text {

std::optional<bool> scenario_reader::shape_key(campaign& c, std::string_view key,
                                               std::string_view value) {
  if (key == "tool") {
    static const std::pair<const char*, probe_tool> tools[] = {{"mirai", probe_tool::mirai},
                                                               {"masscan", probe_tool::masscan},
                                                               {"zmap", probe_tool::zmap},
                                                               {"nmap", probe_tool::nmap},
                                                               {"stack", probe_tool::stack}};
    return choose("tool", value, tools, c.tool);
  }
  if (key == "window") {
    unsigned w = 0;
    if (!parse_number(value, w) || w > 65535) {
      return fail("window '" + std::string(value) + "' is not a number from 0 to 65535");
    }
    c.window = static_cast<uint16_t>(w);
    window_set_ = true;
    return true;
  }
  if (key == "ttl") {
    unsigned t = 0;
    if (!parse_number(value, t) || (t != 32 && t != 64 && t != 128 && t != 255)) {
      return fail("ttl '" + std::string(value) + "' is not an initial TTL (32, 64, 128, 255)");
    }
    c.initial_ttl = static_cast<uint8_t>(t);
    ttl_set_ = true;
    return true;
  }
  if (key == "options") {
    static const std::pair<const char*, option_layout> layouts[] = {
        {"none", option_layout::none},
        {"mss", option_layout::mss},
        {"linux", option_layout::linux},
        {"windows", option_layout::windows}};
    if (!choose("options", value, layouts, c.options)) {
      return false;
    }
    options_set_ = true;
    return true;
  }
  if (key == "sport") {
    if (value != "fixed" && value != "random") {
      return fail("sport '" + std::string(value) + "' is neither fixed nor random");
    }
    c.sport = value == "fixed" ? port_choice::fixed : port_choice::random;
    sport_set_ = true;
    return true;
  }
  return std::nullopt;
}

bool scenario_reader::parse_profile(std::string_view value, std::vector<rate_point>& profile) {
  for (std::string_view item : split(value, ',')) {
    std::istringstream in{std::string(item)};
    std::string word;
    rate_point p{0, 1, false};
    std::vector<std::string> w;
    while (in >> word) {
      w.push_back(word);
    }
    if (w.size() < 2 || w.size() > 3 || w[1].size() < 2 || w[1][0] != 'x' ||
        (w.size() == 3 && w[2] != "ramp")) {
      return fail("profile point '" + std::string(item) + "' is not TIME xFACTOR [ramp]");
    }
    if (!parse_time(w[0], p.time)) {
      return false;
    }
    if (!parse_double(std::string_view(w[1]).substr(1), p.factor)) {
      return fail("profile point '" + std::string(item) + "': factor is not a number");
    }
    p.ramp = w.size() == 3;
    if (!profile.empty() && p.time < profile.back().time) {
      return fail("profile point '" + std::string(item) + "' is earlier than the one before");
    }
    profile.push_back(p);
  }
  return true;
}

bool scenario_reader::campaign_key(campaign& c, std::string_view key, std::string_view value) {
  if (key == "start") {
    return parse_time(value, c.start);
  }
  if (key == "end") {
    return parse_time(value, c.end);
  }
  if (key == "ports") {
    for (std::string_view p : split(value, ',')) {
      unsigned port = 0;
      if (!parse_number(p, port) || port == 0 || port > 65535) {
        return fail("port '" + std::string(p) + "' is not a number from 1 to 65535");
      }
      c.ports.push_back(static_cast<uint16_t>(port));
    }
    return true;
  }
  if (const std::optional<bool> shaped = shape_key(c, key, value)) {
    return *shaped;
  }
  if (key == "sources") {
    if (!parse_number(value, c.sources) || c.sources == 0 || c.sources > 10000000) {
      return fail("sources '" + std::string(value) + "' is not a number from 1 to 10000000");
    }
    sources_set_ = true;
    return true;
  }
  if (key == "sources-from") {
    c.sources_from = value;
    return true;
  }
  if (key == "countries") {
    return parse_weights(value, c.countries, weight_names::country);
  }
  if (key == "ases") {
    return parse_weights(value, c.ases, weight_names::as_number);
  }
  if (key == "payloads") {
    return parse_weights(value, c.payloads, weight_names::payload);
  }
  if (key == "rate") {
    if (!parse_double(value, c.rate) || c.rate > 1e7) {
      return fail("rate '" + std::string(value) + "' is not a number of probes per hour");
    }
    return true;
  }
  if (key == "jitter") {
    if (!parse_double(value, c.jitter) || c.jitter >= 1) {
      return fail("jitter '" + std::string(value) + "' is not a share from 0 to below 1");
    }
    return true;
  }
  if (key == "profile") {
    return parse_profile(value, c.profile);
  }
  return fail("unknown key '" + std::string(key) +
              "' in [campaign] (start, end, ports, tool, window, ttl, options, sport, sources, "
              "sources-from, countries, ases, rate, jitter, profile, payloads)");
}

bool scenario_reader::finish_campaign(campaign& c) {
  const int where = line_;
  line_ = c.line;
  auto done = [&](bool ok) {
    line_ = where;
    return ok;
  };
  if (c.start == 0) {
    c.start = s_.start;
  }
  if (c.end == 0) {
    c.end = s_.end;
  }
  if (c.start < s_.start || c.end > s_.end || c.start >= c.end) {
    return done(fail("campaign '" + c.name + "': its window must lie inside the scenario's"));
  }
  if (c.ports.empty()) {
    return done(fail("campaign '" + c.name + "' has no ports"));
  }
  if (!c.sources_from.empty()) {
    const auto from = std::find_if(s_.campaigns.begin(), s_.campaigns.end(),
                                   [&](const campaign& o) { return o.name == c.sources_from; });
    if (from == s_.campaigns.end()) {
      return done(fail("campaign '" + c.name + "': sources-from '" + c.sources_from +
                       "' names no earlier campaign"));
    }
    if (sources_set_ || !c.countries.empty() || !c.ases.empty()) {
      return done(fail("campaign '" + c.name +
                       "': sources-from takes sources, countries and ASes from that campaign"));
    }
  } else if (c.countries.empty() == c.ases.empty()) {
    return done(fail("campaign '" + c.name + "' needs countries or ases (one of the two)"));
  }
  double percent = 0;
  for (const weighted_name& p : c.payloads) {
    percent += p.weight;
  }
  if (percent > 100) {
    return done(fail("campaign '" + c.name + "': payload shares add up to more than 100%"));
  }
  // Tool defaults, then the combinations a tool cannot send.
  struct defaults {
    uint16_t window;
    uint8_t ttl;
    option_layout options;
    port_choice sport;
  };
  static const defaults by_tool[] = {
      {0, 64, option_layout::none, port_choice::random},       // mirai
      {1024, 255, option_layout::none, port_choice::fixed},    // masscan
      {65535, 255, option_layout::none, port_choice::random},  // zmap
      {1024, 64, option_layout::mss, port_choice::fixed},      // nmap
      {64240, 64, option_layout::linux, port_choice::random},  // stack
  };
  const defaults& d = by_tool[static_cast<size_t>(c.tool)];
  c.window = window_set_ ? c.window : d.window;
  c.initial_ttl = ttl_set_ ? c.initial_ttl : d.ttl;
  c.options = options_set_ ? c.options : d.options;
  c.sport = sport_set_ ? c.sport : d.sport;
  const std::string tool = probe_tool_name(c.tool);
  if (c.tool != probe_tool::stack && options_set_) {
    return done(fail("campaign '" + c.name + "': " + tool + " sends its own options"));
  }
  if (c.tool == probe_tool::mirai && window_set_) {
    return done(fail("campaign '" + c.name + "': mirai picks a random window"));
  }
  if (c.tool == probe_tool::nmap && c.window != 1024 && c.window != 2048 && c.window != 3072 &&
      c.window != 4096) {
    return done(fail("campaign '" + c.name + "': nmap's SYN window is 1024, 2048, 3072 or 4096"));
  }
  // A stack campaign must not look like a tool, or its ground truth would be wrong.
  if (c.tool == probe_tool::stack && c.options == option_layout::mss &&
      (c.window == 1024 || c.window == 2048 || c.window == 3072 || c.window == 4096)) {
    return done(fail("campaign '" + c.name +
                     "': MSS-only options with this window is nmap's "
                     "SYN; say tool = nmap"));
  }
  if (c.tool == probe_tool::stack && c.options == option_layout::none && c.window == 512) {
    return done(fail("campaign '" + c.name + "': no options and window 512 is hping3's SYN"));
  }
  return done(true);
}


}  // namespace scanscope::scenario_text
