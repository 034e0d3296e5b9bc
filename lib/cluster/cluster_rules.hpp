#pragma once
/**
 * @file
 * Named clusters of scan traffic, defined as ordered rules over header features and source
 * behaviour. Every TCP/UDP packet gets exactly one cluster: the first rule whose conditions all
 * hold. The rule file format is described in config/clusters.conf.
 */

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fingerprint/scan_tool.hpp"
#include "packet/decoded_packet.hpp"
#include "source/source_state.hpp"

namespace scanscope {

/** Everything a cluster condition can test about one packet. */
struct packet_traits {
  const decoded_packet* packet;             /**< the parsed headers */
  scan_tool tool;                           /**< built-in tool fingerprint */
  source_port_behaviour src_port_behaviour; /**< of the packet's source, so far */
};

/** Fields a condition can name (see config/clusters.conf for their values). */
enum class cluster_field : uint8_t {
  window,
  ttl,
  initial_ttl,
  mss,
  wscale,
  options,
  ip_id,
  ip_id_rule,
  sport,
  src_port,
  dst_port,
  tool,
  df,
  proto,
  flags,
  payload,
  syn,
};

enum class compare_op : uint8_t { in, not_in, less, less_equal, greater, greater_equal };

inline constexpr size_t cluster_field_count = static_cast<size_t>(cluster_field::syn) + 1;

struct cluster_condition {
  /** A list holds at most this many values (kept inline: no pointer chase per packet). */
  static constexpr size_t max_values = 8;
  cluster_field field;         /**< what is tested */
  compare_op op;               /**< how */
  uint8_t count;               /**< values used */
  uint64_t values[max_values]; /**< one value, or a list for = and != */
};

struct cluster_rule {
  std::string name;                          /**< label in reports and metrics */
  std::vector<cluster_condition> conditions; /**< all must hold; none matches everything */
};

class cluster_rules {
 public:
  /** Counters are sized for this many clusters. */
  static constexpr size_t max_clusters = 32;

  /**
   * Parse rules from text.
   * @param origin names the text in errors (a file path)
   * @param error  "origin:line: reason" when the text is rejected
   * If the last rule has conditions, a catch-all "other" is appended so every packet has a cluster.
   */
  static std::optional<cluster_rules> parse(std::string_view text, const std::string& origin,
                                            std::string& error);

  /** Read and parse a rule file. */
  static std::optional<cluster_rules> load(const std::string& path, std::string& error);

  /** The built-in rules (the same as config/clusters.conf). */
  static std::string_view default_text();

  /** Index of the first rule that matches. */
  uint8_t classify(const packet_traits& t) const;

  /**
   * True when no rule tests a field outside the fingerprint key (ttl, ip_id, src_port,
   * dst_port): the cluster is then a function of (fingerprint key, tool, source-port
   * behaviour), and callers may remember it per combination instead of re-evaluating.
   */
  bool depends_only_on_fingerprint() const { return fingerprint_only_; }

  size_t size() const { return rules_.size(); }
  const std::string& name(size_t i) const { return rules_[i].name; }
  const std::vector<cluster_rule>& rules() const { return rules_; }

 private:
  std::vector<cluster_rule> rules_;
  /** Fields any rule tests: classify() reads each from the packet once. */
  std::vector<cluster_field> used_fields_;
  /** All conditions of all rules, rule after rule, and where each rule's end. */
  std::vector<cluster_condition> flat_;
  std::vector<uint32_t> rule_end_;
  bool fingerprint_only_ = true;
};

}  // namespace scanscope
