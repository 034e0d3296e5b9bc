#include "signature/signature_rule.hpp"

#include <hs/hs.h>

#include <cctype>
#include <charconv>
#include <set>
#include <sstream>

#include "common/label.hpp"

namespace scanscope {

namespace {

bool parse_uint(std::string_view s, uint64_t max, uint64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size() && out <= max;
}

/** "tcp/8545,8546", "udp/any", "any/1-1024": empty on success, else the reason. */
std::string parse_scope(const std::string& text, signature_rule& r) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    return "'" + text + "' is not PROTO/PORTS (e.g. tcp/8545 or any/any)";
  }
  const std::string proto = text.substr(0, slash);
  if (proto == "tcp") {
    r.proto = rule_protocol::tcp;
  } else if (proto == "udp") {
    r.proto = rule_protocol::udp;
  } else if (proto == "any") {
    r.proto = rule_protocol::any;
  } else {
    return "protocol '" + proto + "' is not tcp, udp or any";
  }
  const std::string ports = text.substr(slash + 1);
  if (ports == "any") {
    return "";
  }
  std::stringstream list(ports);
  std::string item;
  while (std::getline(list, item, ',')) {
    const size_t dash = item.find('-');
    uint64_t lo = 0;
    uint64_t hi = 0;
    const bool ok = dash == std::string::npos
                        ? parse_uint(item, 65535, lo) && (hi = lo, true)
                        : parse_uint(std::string_view(item).substr(0, dash), 65535, lo) &&
                              parse_uint(std::string_view(item).substr(dash + 1), 65535, hi);
    if (!ok || lo == 0 || hi < lo) {
      return "port '" + item + "' is not a port (1-65535) or a range LOW-HIGH";
    }
    r.ports.emplace_back(static_cast<uint16_t>(lo), static_cast<uint16_t>(hi));
  }
  if (r.ports.empty()) {
    return "no ports in '" + text + "'";
  }
  return "";
}

}  // namespace

bool signature_rule::applies(bool tcp, uint16_t dst_port) const {
  if (retired) {
    return false;
  }
  if ((proto == rule_protocol::tcp && !tcp) || (proto == rule_protocol::udp && tcp)) {
    return false;
  }
  if (ports.empty()) {
    return true;
  }
  for (const auto& [lo, hi] : ports) {
    if (dst_port >= lo && dst_port <= hi) {
      return true;
    }
  }
  return false;
}

namespace {

/** The rule's /PATTERN/FLAGS, from the first '/' after its scope to the last '/' of the line
 *  (`word`: the first word after the fixed fields). @return the error, or "" */
std::string parse_pattern(const std::string& line, const std::string& scope,
                          const std::string& word, signature_rule& r) {
  const size_t open = line.find('/', line.find(scope) + scope.size());
  const size_t close = line.rfind('/');
  if (word.empty() || word[0] != '/' || open == std::string::npos || close <= open) {
    return "missing /PATTERN/FLAGS";
  }
  r.pattern = line.substr(open + 1, close - open - 1);
  if (r.pattern.empty()) {
    return "empty pattern";
  }
  for (char f : line.substr(close + 1)) {
    switch (f) {
      case 'i':
        r.flags |= HS_FLAG_CASELESS;
        break;
      case 's':
        r.flags |= HS_FLAG_DOTALL;
        break;
      case 'm':
        r.flags |= HS_FLAG_MULTILINE;
        break;
      default:
        return "unknown pattern flag '" + std::string(1, f) +
               "' (i caseless, s dot-all, m multi-line)";
    }
  }
  return "";
}

/** tool=NAME: a tool scanscope knows, other than none. @return the error, or "" */
std::string parse_tool(const std::string& name, signature_rule& r) {
  scan_tool t;
  if (scan_tool_from_name(name.data(), name.size(), t) && t != scan_tool::none) {
    r.tool = t;
    return "";
  }
  return "tool '" + name + "' is not one of " + scan_tool_names(1, scan_tool_count);
}

}  // namespace

std::optional<std::vector<signature_rule>> parse_signature_rules(std::string_view text,
                                                                 const std::string& origin,
                                                                 std::string& error) {
  std::vector<signature_rule> rules;
  std::set<uint32_t> ids;
  std::set<std::string> names;
  std::stringstream in{std::string(text)};
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    const auto fail = [&](const std::string& why) {
      error = origin + ":" + std::to_string(number) + ": " + why;
      return std::nullopt;
    };
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') {
      continue;
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    // The pattern runs from the first '/' after the fixed fields to the last '/'.
    std::stringstream words(line);
    signature_rule r;
    r.line = number;
    std::string keyword, id, scope;
    if (!(words >> keyword) || keyword != "rule") {
      return fail(
          "expected 'rule ID NAME CATEGORY PROTO/PORTS [offset=N] [depth=N] [tool=TOOL] "
          "/PATTERN/FLAGS'");
    }
    uint64_t id_value = 0;
    if (!(words >> id) || !parse_uint(id, UINT32_MAX, id_value) || id_value == 0) {
      return fail("rule id '" + id + "' is not a number from 1 to 4294967295");
    }
    r.id = static_cast<uint32_t>(id_value);
    if (!(words >> r.name) || !is_label(r.name)) {
      return fail("rule " + id + ": name must be " + label_rule);
    }
    if (!(words >> r.category) || !is_label(r.category)) {
      return fail("rule " + id + ": category must be " + label_rule);
    }
    if (!(words >> scope)) {
      return fail("rule " + id + ": missing PROTO/PORTS");
    }
    if (std::string e = parse_scope(scope, r); !e.empty()) {
      return fail("rule " + id + ": " + e);
    }
    std::string word;
    while (words >> word && word[0] != '/') {
      const size_t eq = word.find('=');
      const std::string key = word.substr(0, eq);
      if (key == "tool" && eq != std::string::npos) {
        if (std::string e = parse_tool(word.substr(eq + 1), r); !e.empty()) {
          return fail("rule " + id + ": " + e);
        }
        continue;
      }
      uint64_t value = 0;
      if (eq == std::string::npos || (key != "offset" && key != "depth") ||
          !parse_uint(std::string_view(word).substr(eq + 1), 1u << 30, value)) {
        return fail("rule " + id + ": '" + word +
                    "' is neither offset=N, depth=N, tool=TOOL nor /PATTERN/FLAGS");
      }
      (key == "offset" ? r.offset : r.depth) = value;
    }
    if (std::string e = parse_pattern(line, scope, word, r); !e.empty()) {
      return fail("rule " + id + ": " + e);
    }
    if (r.depth != 0 && r.depth <= r.offset) {
      return fail("rule " + id + ": depth must be larger than offset");
    }
    if (!ids.insert(r.id).second) {
      return fail("rule id " + id + " is used twice");
    }
    if (!names.insert(r.name).second) {
      return fail("rule name '" + r.name + "' is used twice");
    }
    rules.push_back(std::move(r));
  }
  if (rules.empty()) {
    error = origin + ": no rules";
    return std::nullopt;
  }
  return rules;
}

}  // namespace scanscope
