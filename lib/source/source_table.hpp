#pragma once
/**
 * @file
 * A bounded table of sources owned by one RX lcore, on DPDK's cuckoo hash. Memory is fixed at
 * creation. A full table evicts with a CLOCK hand: sources seen only once go first, sources
 * seen again get a second chance; each eviction is counted. Idle sources age out by a sweep
 * that the lcore runs a few slots at a time.
 */

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "source/source_state.hpp"
#include "stats/counter.hpp"

struct rte_hash;

namespace scanscope {

/** Key of a source: 16 bytes, IPv4 mapped into IPv6 (::ffff:a.b.c.d). */
struct source_key {
  uint8_t bytes[16];
};

/** Table activity, readable from the stats lcore. */
struct source_table_counters {
  counter inserted; /**< sources added */
  counter evicted;  /**< sources pushed out because the table was full */
  counter expired;  /**< sources removed after being idle */
  counter live;     /**< sources in the table now */
};

class source_table {
 public:
  ~source_table();
  source_table(const source_table&) = delete;
  source_table& operator=(const source_table&) = delete;

  /**
   * @param name         unique per process (DPDK names its hash tables)
   * @param capacity     most sources held (at least 8)
   * @param socket       NUMA socket for the memory
   * @param idle_timeout_ns a source idle this long is removed by expire()
   * @param error        set when DPDK cannot create the table
   */
  static std::unique_ptr<source_table> create(const std::string& name, uint32_t capacity,
                                              int socket, uint64_t idle_timeout_ns,
                                              std::string& error);

  /**
   * Find a source or add it, evicting one if the table is full. Never fails.
   * @param is_new set to true when the source was added by this call
   */
  source_state& touch(const source_key& key, uint64_t now_ns, bool& is_new);

  /**
   * Look up several keys at once (DPDK's bulk lookup hides memory latency).
   * @param positions filled with a slot per key, or a negative value when absent
   */
  void lookup_bulk(const source_key* const* keys, unsigned n, int32_t* positions) const;

  /** The source at a position lookup_bulk() found; marks it as seen again. */
  source_state& found(int32_t position) {
    source_state& s = slots_[static_cast<size_t>(position)];
    s.referenced = 1;
    return s;
  }

  /** Start loading the state at a position from lookup_bulk(). */
  void prefetch(int32_t position) const {
    __builtin_prefetch(&slots_[static_cast<size_t>(position)]);
  }

  /** Add a key known to be absent; evicts if full. */
  source_state& insert(const source_key& key, uint64_t now_ns);

  /**
   * Remove sources idle for longer than the timeout, looking at `budget` slots from where the
   * last call stopped.
   */
  void expire(uint64_t now_ns, uint32_t budget);

  /** Visit every source (stats and reports; only on the owning lcore or after it stopped). */
  template <typename F>
  void for_each(F&& f) const {
    for (const source_state& s : slots_) {
      if (s.in_use) {
        f(s);
      }
    }
  }

  const source_table_counters& counters() const { return counters_; }
  uint32_t capacity() const { return capacity_; }

 private:
  source_table(rte_hash* hash, uint32_t capacity, uint64_t idle_timeout_ns);
  void evict_one();
  void remove(source_state& s);

  rte_hash* hash_;
  uint32_t capacity_;
  uint64_t idle_timeout_ns_;
  uint32_t clock_hand_ = 0;
  uint32_t aging_hand_ = 0;
  std::vector<source_state> slots_;
  source_table_counters counters_;
};

/** The key of a packet's source address. */
source_key make_source_key(const uint8_t* addr, bool ipv6);

}  // namespace scanscope
