#pragma once
/**
 * @file
 * The rule set compiled once at start-up into Hyperscan databases: stream mode, every rule, for
 * TCP payloads split over segments; block mode, one database per group of destination ports
 * that share their rules (port_groups.hpp), for UDP datagrams and for a connection's whole
 * payload in one segment. Optionally cached on disk, keyed by a hash of the rule text, the slot
 * layout, the Hyperscan version and the CPU platform, so a restart with unchanged rules loads
 * instead of compiling.
 */

#include <hs/hs.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signature/port_groups.hpp"
#include "signature/signature_rule.hpp"

namespace scanscope {

struct hs_database_deleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct hs_scratch_deleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
using hs_database_ptr = std::unique_ptr<hs_database_t, hs_database_deleter>;
using hs_scratch_ptr = std::unique_ptr<hs_scratch_t, hs_scratch_deleter>;

class signature_db {
 public:
  /** Most rules a set may hold: per-lcore counters are sized for it. */
  static constexpr size_t max_rules = 512;
  static_assert(port_groups::max_slots == max_rules, "port groups name every rule slot");

  /**
   * Compile `rules` (or load them from the cache).
   * @param origin    the rule file, for messages
   * @param text      the rule file's text (the cache key hashes it)
   * @param cache_dir folder for compiled databases; empty: no cache
   * @param error     "file:line: rule ID (NAME): Hyperscan: message" when a rule is rejected
   * @param previous  the set in use (a reload): a rule keeps its slot by id, new ids take the
   *                  next slots, dropped ids stay as retired rules so their counts stay
   */
  static std::unique_ptr<signature_db> build(std::vector<signature_rule> rules,
                                             const std::string& origin, const std::string& text,
                                             const std::string& cache_dir, std::string& error,
                                             const signature_db* previous = nullptr);

  /** Read a rule file and build it. */
  static std::unique_ptr<signature_db> load(const std::string& path, const std::string& cache_dir,
                                            std::string& error,
                                            const signature_db* previous = nullptr);

  /** Rules by slot (the Hyperscan id and the counter index); retired ones included. */
  const std::vector<signature_rule>& rules() const { return rules_; }
  /** Rules that are matched (not retired). */
  size_t active_rules() const { return active_; }
  /** Block-mode database for a transport and destination port (null: no rule applies). */
  const hs_database_t* block_for(bool tcp, uint16_t dst_port) const {
    const uint8_t g = groups_.at(tcp, dst_port);
    return g == 0 ? nullptr : blocks_[g - 1].get();
  }
  /** Whether a block_for() database may report rules that do not apply to the port (more port
   *  groups than port_groups::max_groups: one database holds every rule). */
  bool block_needs_port_check() const { return groups_.merged; }
  /** Whether the rule in `slot` applies to a transport and destination port (stream mode
   *  reports every rule's matches; the scanner keeps those of the port). */
  bool applies(uint16_t slot, bool tcp, uint16_t dst_port) const {
    return groups_.merged ? rules_[slot].applies(tcp, dst_port)
                          : groups_.applies(slot, tcp, dst_port);
  }
  /** Block-mode databases, one per port group. */
  size_t block_databases() const { return blocks_.size(); }
  /** Every active rule in stream mode (TCP flows followed over segments). */
  const hs_database_t* stream() const { return stream_.get(); }
  /** A scratch for one scanning thread (one per RX lcore). */
  hs_scratch_ptr clone_scratch(std::string& error) const;
  /** Whether any rule applies to this transport and destination port (scan or not). */
  bool wants(bool tcp, uint16_t dst_port) const { return groups_.at(tcp, dst_port) != 0; }
  /** How the database was obtained, for the start-up log: "compiled" or "loaded from CACHE". */
  const std::string& origin_note() const { return note_; }
  /** Bytes of stream state per TCP flow. */
  size_t stream_size() const { return stream_size_; }

 private:
  signature_db() = default;
  std::vector<signature_rule> rules_;
  port_groups groups_;
  std::vector<hs_database_ptr> blocks_;  // by port group
  hs_database_ptr stream_;
  hs_scratch_ptr prototype_;
  std::string note_;
  size_t stream_size_ = 0;
  size_t active_ = 0;
};

}  // namespace scanscope
