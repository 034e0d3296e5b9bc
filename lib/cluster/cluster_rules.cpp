#include "cluster/cluster_rules.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include "common/file_text.hpp"
#include "common/label.hpp"
#include "fingerprint/fingerprint_key.hpp"

namespace scanscope {

namespace {

constexpr std::string_view builtin_rules =
    R"(# Built-in cluster rules (the same as config/clusters.conf).
cluster fixed-port-w1024    syn=1 sport=fixed window=1024
cluster random-port-w65535  syn=1 sport=random window=65535
cluster mirai               tool=mirai
cluster masscan             tool=masscan
cluster zmap                tool=zmap
cluster nmap                tool=nmap
cluster hping3              tool=hping3
cluster other
)";

struct field_info {
  const char* name;
  cluster_field field;
};

constexpr field_info fields[] = {
    {"window", cluster_field::window},
    {"ttl", cluster_field::ttl},
    {"initial_ttl", cluster_field::initial_ttl},
    {"mss", cluster_field::mss},
    {"wscale", cluster_field::wscale},
    {"options", cluster_field::options},
    {"ip_id", cluster_field::ip_id},
    {"ip_id_rule", cluster_field::ip_id_rule},
    {"sport", cluster_field::sport},
    {"src_port", cluster_field::src_port},
    {"dst_port", cluster_field::dst_port},
    {"tool", cluster_field::tool},
    {"df", cluster_field::df},
    {"proto", cluster_field::proto},
    {"flags", cluster_field::flags},
    {"payload", cluster_field::payload},
    {"syn", cluster_field::syn},
};

constexpr uint64_t no_window_scale = 255;
constexpr uint64_t no_mss = 0;

std::string field_list() {
  std::string s;
  for (const field_info& f : fields) {
    s += (s.empty() ? "" : ", ") + std::string(f.name);
  }
  return s;
}

bool parse_number(std::string_view s, uint64_t max, uint64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size() && out <= max;
}

/** Convert one value of a field; empty string on success, else the reason. */
std::string parse_value(cluster_field f, const std::string& v, uint64_t& out) {
  switch (f) {
    case cluster_field::window:
    case cluster_field::ip_id:
    case cluster_field::src_port:
    case cluster_field::dst_port:
      return parse_number(v, 65535, out) ? "" : "'" + v + "' is not a number from 0 to 65535";
    case cluster_field::ttl:
    case cluster_field::initial_ttl:
      return parse_number(v, 255, out) ? "" : "'" + v + "' is not a number from 0 to 255";
    case cluster_field::mss:
      if (v == "-") {
        out = no_mss;
        return "";
      }
      return parse_number(v, 65535, out) ? "" : "'" + v + "' is not an MSS (0-65535, or -)";
    case cluster_field::wscale:
      if (v == "-") {
        out = no_window_scale;
        return "";
      }
      return parse_number(v, 254, out) ? "" : "'" + v + "' is not a window scale (0-254, or -)";
    case cluster_field::options:
      return parse_option_layout(v, out)
                 ? ""
                 : "'" + v + "' is not an option layout (letters E N M W S K T, at most 8, or -)";
    case cluster_field::ip_id_rule:
      for (auto r : {ip_id_rule::other, ip_id_rule::zero, ip_id_rule::masscan, ip_id_rule::zmap}) {
        if (v == ip_id_rule_name(r)) {
          out = static_cast<uint64_t>(r);
          return "";
        }
      }
      return "'" + v + "' is not an IP ID rule (masscan, zmap, zero, other)";
    case cluster_field::sport:
      for (auto b : {source_port_behaviour::unknown, source_port_behaviour::fixed,
                     source_port_behaviour::random}) {
        if (v == source_port_behaviour_name(b)) {
          out = static_cast<uint64_t>(b);
          return "";
        }
      }
      return "'" + v + "' is not a source-port behaviour (fixed, random, unknown)";
    case cluster_field::tool: {
      scan_tool t;
      if (scan_tool_from_name(v.data(), v.size(), t) && named_by_headers(t)) {
        out = static_cast<uint64_t>(t);
        return "";
      }
      // A cluster is decided from a source's first probe's headers, before any payload.
      return "'" + v + "' is not a tool headers name (" + scan_tool_names(0, header_tool_count) +
             ")";
    }
    case cluster_field::proto: {
      const std::pair<const char*, l4_kind> protos[] = {{"tcp", l4_kind::tcp},
                                                        {"udp", l4_kind::udp},
                                                        {"icmp", l4_kind::icmp},
                                                        {"icmpv6", l4_kind::icmpv6}};
      for (const auto& [name, kind] : protos) {
        if (v == name) {
          out = static_cast<uint64_t>(kind);
          return "";
        }
      }
      return "'" + v + "' is not a protocol (tcp, udp, icmp, icmpv6)";
    }
    case cluster_field::flags: {
      static constexpr char letters[] = "FSRPAUEC";
      out = 0;
      for (char c : v) {
        const char* at = std::char_traits<char>::find(letters, 8, c);
        if (at == nullptr) {
          return "'" + v + "' is not a set of TCP flags (letters F S R P A U E C)";
        }
        out |= uint64_t{1} << (at - letters);
      }
      return v.empty() ? "empty flag set" : "";
    }
    case cluster_field::df:
    case cluster_field::payload:
    case cluster_field::syn:
      return parse_number(v, 1, out) ? "" : "'" + v + "' is not 0 or 1";
  }
  return "unknown field";
}

bool is_ordered(cluster_field f) {
  switch (f) {
    case cluster_field::window:
    case cluster_field::ttl:
    case cluster_field::initial_ttl:
    case cluster_field::mss:
    case cluster_field::wscale:
    case cluster_field::ip_id:
    case cluster_field::src_port:
    case cluster_field::dst_port:
      return true;
    default:
      return false;
  }
}

std::string parse_condition(const std::string& text, cluster_condition& c) {
  const size_t op_at = text.find_first_of("!<>=");
  if (op_at == std::string::npos || op_at == 0) {
    return "condition '" + text + "' is not FIELD=VALUE (or !=, <, <=, >, >=)";
  }
  const std::string name = text.substr(0, op_at);
  bool known = false;
  for (const field_info& f : fields) {
    if (name == f.name) {
      c.field = f.field;
      known = true;
    }
  }
  if (!known) {
    return "unknown field '" + name + "' (fields: " + field_list() + ")";
  }
  std::string op = text.substr(op_at, text[op_at + 1] == '=' ? 2 : 1);
  if (op == "=" || op == "==") {
    c.op = compare_op::in;
  } else if (op == "!=") {
    c.op = compare_op::not_in;
  } else if (op == "<") {
    c.op = compare_op::less;
  } else if (op == "<=") {
    c.op = compare_op::less_equal;
  } else if (op == ">") {
    c.op = compare_op::greater;
  } else if (op == ">=") {
    c.op = compare_op::greater_equal;
  } else {
    return "condition '" + text + "' has no valid operator";
  }
  if (c.op != compare_op::in && c.op != compare_op::not_in && !is_ordered(c.field)) {
    return "field '" + name + "' takes = or != only";
  }
  const std::string list = text.substr(op_at + op.size());
  if (list.empty()) {
    return "condition '" + text + "' has no value";
  }
  std::stringstream values(list);
  std::string v;
  c.count = 0;
  while (std::getline(values, v, ',')) {
    uint64_t parsed = 0;
    if (std::string e = parse_value(c.field, v, parsed); !e.empty()) {
      return "field '" + name + "': " + e;
    }
    if (c.count == cluster_condition::max_values) {
      return "condition '" + text + "': at most " + std::to_string(cluster_condition::max_values) +
             " values in a list";
    }
    c.values[c.count++] = parsed;
  }
  if (c.count > 1 && c.op != compare_op::in && c.op != compare_op::not_in) {
    return "condition '" + text + "': only = and != take a list";
  }
  return "";
}

uint64_t value_of(cluster_field f, const packet_traits& t) {
  const decoded_packet& p = *t.packet;
  switch (f) {
    case cluster_field::window:
      return p.window;
    case cluster_field::ttl:
      return p.ttl;
    case cluster_field::initial_ttl:
      return initial_ttl(p.ttl);
    case cluster_field::mss:
      return p.options.has_mss ? p.options.mss : no_mss;
    case cluster_field::wscale:
      return p.options.has_window_scale ? p.options.window_scale : no_window_scale;
    case cluster_field::options:
      return p.l4 == l4_kind::tcp ? option_layout_code(p.options) : 0;
    case cluster_field::ip_id:
      return p.ip_id;
    case cluster_field::ip_id_rule:
      return static_cast<uint64_t>(classify_ip_id(p));
    case cluster_field::sport:
      return static_cast<uint64_t>(port_behaviour_of(t.tool, t.src_port_behaviour));
    case cluster_field::src_port:
      return p.src_port;
    case cluster_field::dst_port:
      return p.dst_port;
    case cluster_field::tool:
      return static_cast<uint64_t>(t.tool);
    case cluster_field::df:
      return p.dont_fragment;
    case cluster_field::proto:
      return static_cast<uint64_t>(p.l4);
    case cluster_field::flags:
      return p.tcp_flags;
    case cluster_field::payload:
      return p.payload_length > 0;
    case cluster_field::syn:
      return is_syn_probe(p);
  }
  return 0;
}

bool holds(const cluster_condition& c, uint64_t v) {
  switch (c.op) {
    case compare_op::in:
    case compare_op::not_in: {
      bool found = false;
      for (uint8_t i = 0; i < c.count; ++i) {
        found |= c.values[i] == v;
      }
      return found == (c.op == compare_op::in);
    }
    case compare_op::less:
      return v < c.values[0];
    case compare_op::less_equal:
      return v <= c.values[0];
    case compare_op::greater:
      return v > c.values[0];
    case compare_op::greater_equal:
      return v >= c.values[0];
  }
  return false;
}

}  // namespace

std::string_view cluster_rules::default_text() {
  return builtin_rules;
}

std::optional<cluster_rules> cluster_rules::parse(std::string_view text, const std::string& origin,
                                                  std::string& error,
                                                  const cluster_rules* previous) {
  cluster_rules rules;
  std::stringstream in{std::string(text)};
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    const auto where = [&] { return origin + ":" + std::to_string(number) + ": "; };
    if (const size_t hash = line.find('#'); hash != std::string::npos) {
      line.erase(hash);
    }
    std::stringstream words(line);
    std::string keyword;
    if (!(words >> keyword)) {
      continue;
    }
    if (keyword != "cluster") {
      error = where() + "expected 'cluster NAME [CONDITION...]', got '" + keyword + "'";
      return std::nullopt;
    }
    cluster_rule rule;
    if (!(words >> rule.name) || !is_label(rule.name)) {
      error = where() + std::string("cluster name must be ") + label_rule;
      return std::nullopt;
    }
    for (const cluster_rule& r : rules.rules_) {
      if (r.name == rule.name) {
        error = where() + "cluster '" + rule.name + "' is defined twice";
        return std::nullopt;
      }
    }
    std::string condition;
    while (words >> condition) {
      cluster_condition c{};
      if (std::string e = parse_condition(condition, c); !e.empty()) {
        error = where() + e;
        return std::nullopt;
      }
      rule.conditions.push_back(std::move(c));
    }
    rules.rules_.push_back(std::move(rule));
  }
  if (rules.rules_.empty() || !rules.rules_.back().conditions.empty()) {
    for (const cluster_rule& r : rules.rules_) {
      if (r.name == "other") {
        error = origin + ": the last cluster must have no conditions (or do not name one 'other')";
        return std::nullopt;
      }
    }
    rules.rules_.push_back(cluster_rule{"other", {}});
  }
  if (rules.rules_.size() > max_clusters) {
    error = origin + ": at most " + std::to_string(max_clusters) + " clusters";
    return std::nullopt;
  }
  if (previous != nullptr) {
    rules.slot_names_ = previous->slot_names_;
  }
  for (const cluster_rule& r : rules.rules_) {
    const auto kept = std::find(rules.slot_names_.begin(), rules.slot_names_.end(), r.name);
    if (kept == rules.slot_names_.end()) {
      rules.slot_names_.push_back(r.name);
    }
    rules.slot_of_rule_.push_back(static_cast<uint8_t>(
        std::find(rules.slot_names_.begin(), rules.slot_names_.end(), r.name) -
        rules.slot_names_.begin()));
  }
  if (rules.slot_names_.size() > max_clusters) {
    error = origin + ": these rules and those dropped since start name " +
            std::to_string(rules.slot_names_.size()) + " clusters, counters hold " +
            std::to_string(max_clusters) + " (restart to start counting afresh)";
    return std::nullopt;
  }
  bool used[cluster_field_count] = {};
  for (const cluster_rule& r : rules.rules_) {
    for (const cluster_condition& c : r.conditions) {
      used[static_cast<size_t>(c.field)] = true;
      rules.flat_.push_back(c);
    }
    rules.rule_end_.push_back(static_cast<uint32_t>(rules.flat_.size()));
  }
  for (size_t f = 0; f < cluster_field_count; ++f) {
    if (used[f]) {
      rules.used_fields_.push_back(static_cast<cluster_field>(f));
    }
  }
  rules.tests_source_ports_ = used[static_cast<size_t>(cluster_field::sport)];
  for (cluster_field f : {cluster_field::ttl, cluster_field::ip_id, cluster_field::src_port,
                          cluster_field::dst_port}) {
    if (used[static_cast<size_t>(f)]) {
      rules.fingerprint_only_ = false;
    }
  }
  return rules;
}

std::optional<cluster_rules> cluster_rules::load(const std::string& path, std::string& error,
                                                 const cluster_rules* previous) {
  return parse_file(path, "cluster rules", error,
                    [&](const std::string& text) { return parse(text, path, error, previous); });
}

bool cluster_rules::active(size_t slot) const {
  return std::find(slot_of_rule_.begin(), slot_of_rule_.end(), slot) != slot_of_rule_.end();
}

uint8_t cluster_rules::classify(const packet_traits& t) const {
  uint64_t values[cluster_field_count];
  for (cluster_field f : used_fields_) {
    values[static_cast<size_t>(f)] = value_of(f, t);
  }
  uint32_t c = 0;
  for (size_t i = 0; i < rule_end_.size(); ++i) {
    const uint32_t end = rule_end_[i];
    bool all = true;
    for (; c < end; ++c) {
      const cluster_condition& cond = flat_[c];
      if (!holds(cond, values[static_cast<size_t>(cond.field)])) {
        all = false;
        break;
      }
    }
    if (all) {
      return slot_of_rule_[i];
    }
    c = end;
  }
  return slot_of_rule_.back();
}

}  // namespace scanscope
