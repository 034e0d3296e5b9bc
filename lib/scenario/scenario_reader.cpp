#include "scenario/scenario_reader.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "scenario/payload_template.hpp"

namespace scanscope::scenario_text {

bool scenario_reader::parse_time(std::string_view value, int64_t& out) {
  const auto t = parse_utc_time(value);
  if (!t) {
    return fail("'" + std::string(value) + "' is not a UTC time like 2018-12-03T20:00:00Z");
  }
  out = *t;
  return true;
}

bool scenario_reader::parse_weights(std::string_view value, std::vector<weighted_name>& out,
                                    weight_names names) {
  for (std::string_view item : split(value, ',')) {
    const size_t space = item.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return fail("'" + std::string(item) + "' needs a name and a weight, e.g. RU 90");
    }
    weighted_name w{std::string(trim(item.substr(0, space))), 0};
    if (!parse_double(trim(item.substr(space)), w.weight)) {
      return fail("'" + std::string(item) + "': the weight is not a non-negative number");
    }
    if (names == weight_names::payload) {
      if (find_payload_template(w.name) == nullptr) {
        std::string known;
        for (const payload_template& t : payload_templates()) {
          known += known.empty() ? t.name : std::string(", ") + t.name;
        }
        return fail("unknown payload '" + w.name + "' (known: " + known + ")");
      }
    } else if (names == weight_names::as_number) {
      uint32_t as = 0;
      if (!parse_as_number(w.name, as) || as == 0) {
        return fail("'" + w.name + "' is not an AS number such as 16509");
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


bool scenario_reader::open_campaign(std::string_view name) {
  if (!have_start_ || !have_end_ || !have_darknet_) {
    fail("[scenario] needs start, end and darknet before the first campaign");
    return false;
  }
  if (s_.start >= s_.end) {
    fail("the scenario ends before it starts");
    return false;
  }
  campaign c;
  c.name = name;
  c.line = line_;
  for (const campaign& o : s_.campaigns) {
    if (o.name == c.name) {
      fail("a second campaign named '" + c.name + "'");
      return false;
    }
  }
  if (s_.campaigns.size() == 250) {
    fail("more than 250 campaigns");
    return false;
  }
  s_.campaigns.push_back(std::move(c));
  return true;
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
        if (!open_campaign(trim(header.substr(9)))) {
          return std::nullopt;
        }
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

}  // namespace scanscope::scenario_text
