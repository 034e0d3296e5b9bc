#pragma once
/**
 * @file
 * Named clusters of scan traffic, defined as ordered rules over header features and source
 * behaviour. The first rule whose conditions all hold gives a packet's cluster; a source's
 * cluster is decided once from its packets and held (cluster_decision.hpp). The rule file format is
 * described in config/clusters.conf. Counters are kept by slot, not by rule position, so a reloaded
 * file may reorder, add and drop rules.
 */

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/limits.hpp"
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

/**
 * The source-port behaviour a cluster rule sees: the tool's own where a packet names a tool
 * that has only one, else what the source showed so far. masscan sends a whole scan from one
 * source port (masscan's src/main.c takes one unless a range is given), and so do nmap's raw
 * scans for every first try (its scan engine's magic port; a retry comes from the next port,
 * as the --packet-trace of a SYN scan in "Nmap Network Scanning", chapter 5, shows); ZMap
 * draws a port per probe (src/probe_modules: the port is derived from the probe's validation).
 * So their first probe needs no second to tell. This keeps a source's cluster the same on its
 * first probe and its later ones, and on a sensor that sees only some of its probes.
 */
inline source_port_behaviour port_behaviour_of(scan_tool tool, source_port_behaviour seen) {
  switch (tool) {
    case scan_tool::masscan:
    case scan_tool::nmap:
      return source_port_behaviour::fixed;
    case scan_tool::zmap:
      return source_port_behaviour::random;
    default:
      return seen;
  }
}

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
  static constexpr size_t max_clusters = scanscope::max_clusters;

  /**
   * Parse rules from text.
   * @param origin   names the text in errors (a file path)
   * @param error    "origin:line: reason" when the text is rejected
   * @param previous the rules in use (a reload): a cluster keeps its counter slot by name, new
   *                 names take free slots, and dropped names keep theirs (their counts stay)
   * If the last rule has conditions, a catch-all "other" is appended so every packet has a cluster.
   */
  static std::optional<cluster_rules> parse(std::string_view text, const std::string& origin,
                                            std::string& error,
                                            const cluster_rules* previous = nullptr);

  /** Read and parse a rule file. */
  static std::optional<cluster_rules> load(const std::string& path, std::string& error,
                                           const cluster_rules* previous = nullptr);

  /** The built-in rules (the same as config/clusters.conf). */
  static std::string_view default_text();

  /** Counter slot of the first rule that matches. */
  uint8_t classify(const packet_traits& t) const;

  /**
   * True when no rule tests a field outside the fingerprint key (ttl, ip_id, src_port,
   * dst_port): the cluster is then a function of (fingerprint key, tool, source-port
   * behaviour), and callers may remember it per combination instead of re-evaluating.
   */
  bool depends_only_on_fingerprint() const { return fingerprint_only_; }

  /** True when a rule tests `sport`: a packet's cluster may then wait for the source's
   *  second probe (cluster_decision.hpp). */
  bool tests_source_ports() const { return tests_source_ports_; }

  /** Counter slots: the clusters of these rules and of rules dropped by reloads. */
  size_t size() const { return slot_names_.size(); }
  /** Name of a counter slot. */
  const std::string& name(size_t slot) const { return slot_names_[slot]; }
  /** Whether a slot belongs to a rule of this set (not to one a reload dropped). */
  bool active(size_t slot) const;
  /** The rules in evaluation order. */
  const std::vector<cluster_rule>& rules() const { return rules_; }
  /** Counter slot of rules()[i]. */
  uint8_t slot_of(size_t rule) const { return slot_of_rule_[rule]; }

 private:
  std::vector<cluster_rule> rules_;
  std::vector<uint8_t> slot_of_rule_;
  std::vector<std::string> slot_names_;
  /** Fields any rule tests: classify() reads each from the packet once. */
  std::vector<cluster_field> used_fields_;
  /** All conditions of all rules, rule after rule, and where each rule's end. */
  std::vector<cluster_condition> flat_;
  std::vector<uint32_t> rule_end_;
  bool fingerprint_only_ = true;
  bool tests_source_ports_ = false;
};

}  // namespace scanscope
