#pragma once
/**
 * @file
 * The rule set compiled once at start-up into two Hyperscan databases: block mode for UDP
 * datagrams and stream mode for TCP payloads split over segments. Optionally cached on disk,
 * keyed by a hash of the rule text, the Hyperscan version and the CPU platform, so a restart with
 * unchanged rules loads instead of compiling.
 */

#include <hs/hs.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  const hs_database_t* block() const { return block_.get(); }
  const hs_database_t* stream() const { return stream_.get(); }
  /** A scratch for one scanning thread (one per RX lcore). */
  hs_scratch_ptr clone_scratch(std::string& error) const;
  /** Whether any rule applies to this transport and destination port (scan or not). */
  bool wants(bool tcp, uint16_t dst_port) const {
    return (tcp ? tcp_ports_ : udp_ports_)[dst_port];
  }
  /** How the database was obtained, for the start-up log: "compiled" or "loaded from CACHE". */
  const std::string& origin_note() const { return note_; }
  /** Bytes of stream state per TCP flow. */
  size_t stream_size() const { return stream_size_; }

 private:
  signature_db() = default;
  std::vector<signature_rule> rules_;
  hs_database_ptr block_;
  hs_database_ptr stream_;
  hs_scratch_ptr prototype_;
  std::vector<bool> tcp_ports_, udp_ports_;
  std::string note_;
  size_t stream_size_ = 0;
  size_t active_ = 0;
};

}  // namespace scanscope
