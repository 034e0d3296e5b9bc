#include "scenario/scenario.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/text.hpp"
#include "scenario/payload_template.hpp"

namespace scanscope {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
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

bool parse_double(std::string_view s, double& out) {
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
  bool scenario_key(std::string_view key, std::string_view value);
  bool campaign_key(campaign& c, std::string_view key, std::string_view value);
  bool finish_campaign(campaign& c);
  bool parse_time(std::string_view value, int64_t& out);
  bool parse_weights(std::string_view value, std::vector<weighted_name>& out, bool payloads);

  const std::string& origin_;
  std::string& error_;
  int line_ = 0;
  scenario s_;
  std::vector<std::string> seen_keys_;
  bool have_start_ = false, have_end_ = false, have_darknet_ = false;
  bool window_set_ = false, ttl_set_ = false, options_set_ = false, sport_set_ = false;
  bool sources_set_ = false;
};

bool scenario_reader::parse_time(std::string_view value, int64_t& out) {
  const auto t = parse_utc_time(value);
  if (!t) {
    return fail("'" + std::string(value) + "' is not a UTC time like 2018-12-03T20:00:00Z");
  }
  out = *t;
  return true;
}

bool scenario_reader::parse_weights(std::string_view value, std::vector<weighted_name>& out,
                                    bool payloads) {
  for (std::string_view item : split(value, ',')) {
    const size_t space = item.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return fail("'" + std::string(item) + "' needs a name and a weight, e.g. RU 90");
    }
    weighted_name w{std::string(trim(item.substr(0, space))), 0};
    if (!parse_double(trim(item.substr(space)), w.weight)) {
      return fail("'" + std::string(item) + "': the weight is not a non-negative number");
    }
    if (payloads) {
      if (find_payload_template(w.name) == nullptr) {
        std::string known;
        for (const payload_template& t : payload_templates()) {
          known += known.empty() ? t.name : std::string(", ") + t.name;
        }
        return fail("unknown payload '" + w.name + "' (known: " + known + ")");
      }
    } else if (w.name.size() != 2 || !std::isupper(static_cast<unsigned char>(w.name[0])) ||
               !std::isupper(static_cast<unsigned char>(w.name[1]))) {
      return fail("'" + w.name + "' is not a two-letter country code such as RU");
    }
    out.push_back(std::move(w));
  }
  return true;
}

bool scenario_reader::scenario_key(std::string_view key, std::string_view value) {
  if (key == "name") {
    s_.name = value;
  } else if (key == "seed") {
    if (!parse_number(value, s_.seed)) {
      return fail("seed '" + std::string(value) + "' is not a number");
    }
  } else if (key == "start") {
    have_start_ = true;
    return parse_time(value, s_.start);
  } else if (key == "end") {
    have_end_ = true;
    return parse_time(value, s_.end);
  } else if (key == "darknet") {
    const size_t slash = value.find('/');
    std::vector<std::string_view> parts = split(value.substr(0, slash), '.');
    unsigned bits = 0;
    if (slash == std::string_view::npos || parts.size() != 4 ||
        !parse_number(value.substr(slash + 1), bits) || bits < 8 || bits > 30) {
      return fail("darknet '" + std::string(value) + "' is not an IPv4 prefix /8 to /30");
    }
    uint32_t address = 0;
    for (std::string_view p : parts) {
      unsigned octet = 0;
      if (!parse_number(p, octet) || octet > 255) {
        return fail("darknet '" + std::string(value) + "' is not an IPv4 prefix");
      }
      address = (address << 8) | octet;
    }
    s_.darknet = address & ~((uint32_t{1} << (32 - bits)) - 1);
    s_.darknet_bits = static_cast<uint8_t>(bits);
    have_darknet_ = true;
  } else {
    return fail("unknown key '" + std::string(key) +
                "' in [scenario] (name, seed, start, end, darknet)");
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
  if (key == "tool") {
    static const std::pair<const char*, probe_tool> tools[] = {{"mirai", probe_tool::mirai},
                                                               {"masscan", probe_tool::masscan},
                                                               {"zmap", probe_tool::zmap},
                                                               {"nmap", probe_tool::nmap},
                                                               {"stack", probe_tool::stack}};
    for (const auto& [name, tool] : tools) {
      if (value == name) {
        c.tool = tool;
        return true;
      }
    }
    return fail("unknown tool '" + std::string(value) + "' (mirai, masscan, zmap, nmap, stack)");
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
    for (const auto& [name, layout] : layouts) {
      if (value == name) {
        c.options = layout;
        options_set_ = true;
        return true;
      }
    }
    return fail("unknown options '" + std::string(value) + "' (none, mss, linux, windows)");
  }
  if (key == "sport") {
    if (value != "fixed" && value != "random") {
      return fail("sport '" + std::string(value) + "' is neither fixed nor random");
    }
    c.sport = value == "fixed" ? port_choice::fixed : port_choice::random;
    sport_set_ = true;
    return true;
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
    return parse_weights(value, c.countries, false);
  }
  if (key == "payloads") {
    return parse_weights(value, c.payloads, true);
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
      if (!c.profile.empty() && p.time < c.profile.back().time) {
        return fail("profile point '" + std::string(item) + "' is earlier than the one before");
      }
      c.profile.push_back(p);
    }
    return true;
  }
  return fail("unknown key '" + std::string(key) +
              "' in [campaign] (start, end, ports, tool, window, ttl, options, sport, sources, "
              "sources-from, countries, rate, jitter, profile, payloads)");
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
    if (sources_set_ || !c.countries.empty()) {
      return done(fail("campaign '" + c.name +
                       "': sources-from takes sources and countries from that campaign"));
    }
  } else if (c.countries.empty()) {
    return done(fail("campaign '" + c.name + "' has no countries"));
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

std::optional<scenario> scenario_reader::read(std::string_view text) {
  s_.origin = origin_;
  enum class section { none, scenario, campaign } in = section::none;
  bool have_scenario = false;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t eol = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, eol - at);
    at = eol + 1;
    ++line_;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = trim(line);
    if (line.empty()) {
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']') {
        fail("section header '" + std::string(line) + "' does not end with ]");
        return std::nullopt;
      }
      if (in == section::campaign && !finish_campaign(s_.campaigns.back())) {
        return std::nullopt;
      }
      seen_keys_.clear();
      window_set_ = ttl_set_ = options_set_ = sport_set_ = sources_set_ = false;
      std::string_view header = trim(line.substr(1, line.size() - 2));
      if (header == "scenario") {
        if (have_scenario) {
          fail("a second [scenario] section");
          return std::nullopt;
        }
        have_scenario = true;
        in = section::scenario;
      } else if (header.substr(0, 9) == "campaign ") {
        if (!have_start_ || !have_end_ || !have_darknet_) {
          fail("[scenario] needs start, end and darknet before the first campaign");
          return std::nullopt;
        }
        if (s_.start >= s_.end) {
          fail("the scenario ends before it starts");
          return std::nullopt;
        }
        campaign c;
        c.name = trim(header.substr(9));
        c.line = line_;
        for (const campaign& o : s_.campaigns) {
          if (o.name == c.name) {
            fail("a second campaign named '" + c.name + "'");
            return std::nullopt;
          }
        }
        if (s_.campaigns.size() == 250) {
          fail("more than 250 campaigns");
          return std::nullopt;
        }
        s_.campaigns.push_back(std::move(c));
        in = section::campaign;
      } else {
        fail("unknown section [" + std::string(header) + "] ([scenario] or [campaign NAME])");
        return std::nullopt;
      }
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      fail("'" + std::string(line) + "' is not KEY = VALUE");
      return std::nullopt;
    }
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    if (value.empty()) {
      fail("'" + std::string(key) + "' has no value");
      return std::nullopt;
    }
    if (std::find(seen_keys_.begin(), seen_keys_.end(), key) != seen_keys_.end()) {
      fail("'" + std::string(key) + "' given twice in one section");
      return std::nullopt;
    }
    seen_keys_.emplace_back(key);
    const bool ok = in == section::scenario ? scenario_key(key, value)
                    : in == section::campaign
                        ? campaign_key(s_.campaigns.back(), key, value)
                        : fail("'" + std::string(key) + "' before any [scenario] or [campaign]");
    if (!ok) {
      return std::nullopt;
    }
  }
  if (in == section::campaign && !finish_campaign(s_.campaigns.back())) {
    return std::nullopt;
  }
  if (s_.campaigns.empty()) {
    fail("no [campaign] sections");
    return std::nullopt;
  }
  if (s_.name.empty()) {
    s_.name = "scenario";
  }
  return s_;
}

}  // namespace

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
  scenario_reader reader(origin, error);
  return reader.read(text);
}

std::optional<scenario> scenario::load(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open scenario file";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path, error);
}

}  // namespace scanscope
