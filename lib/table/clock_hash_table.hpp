#pragma once
/**
 * @file
 * A bounded table owned by one RX lcore, on DPDK's cuckoo hash: the hash maps a key to a slot,
 * slots hold the state. Memory is fixed at creation. A full table evicts with a CLOCK hand:
 * entries never seen again since they were added go first, entries seen again get a second
 * chance. Idle entries age out by a sweep the lcore runs a few slots at a time. Sources and TCP
 * flows both live in one of these.
 *
 * State needs the members `Key key`, `uint64_t last_seen_ns`, and `in_use` and `referenced`
 * (bytes or one-bit fields).
 */

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/counter.hpp"

namespace scanscope {

/** Table activity, readable from the stats lcore. */
struct table_counters {
  counter inserted; /**< entries added */
  counter evicted;  /**< entries pushed out because the table was full */
  counter expired;  /**< entries removed after being idle */
  counter live;     /**< entries in the table now */
};

template <typename Key, typename State>
class clock_hash_table {
 public:
  ~clock_hash_table() { rte_hash_free(hash_); }
  clock_hash_table(const clock_hash_table&) = delete;
  clock_hash_table& operator=(const clock_hash_table&) = delete;

  /**
   * @param name            unique per process (DPDK names its hash tables)
   * @param what            what the entries are, for the error message ("sources", "flows")
   * @param capacity        most entries held (at least 8)
   * @param socket          NUMA socket for the memory (-1: any)
   * @param idle_timeout_ns an entry idle this long is removed by expire()
   */
  static std::unique_ptr<clock_hash_table> create(const std::string& name, const char* what,
                                                  uint32_t capacity, int socket,
                                                  uint64_t idle_timeout_ns, std::string& error) {
    if (capacity < 8) {
      capacity = 8;
    }
    rte_hash_parameters params{};
    params.name = name.c_str();
    params.entries = capacity;
    params.key_len = sizeof(Key);
    params.hash_func = rte_hash_crc;
    params.socket_id = socket;
    // The extendable bucket table guarantees room for `capacity` keys whatever their hashes,
    // so "full" means full and eviction is exact.
    params.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    rte_hash* h = rte_hash_create(&params);
    if (h == nullptr) {
      error = "cannot create table '" + name + "' of " + std::to_string(capacity) + " " + what +
              ": " + rte_strerror(rte_errno);
      return nullptr;
    }
    return std::unique_ptr<clock_hash_table>(new clock_hash_table(h, capacity, idle_timeout_ns));
  }

  /**
   * Look up several keys at once (DPDK's bulk lookup hides memory latency).
   * @param positions filled with a slot per key, or a negative value when absent
   */
  void lookup_bulk(const Key* const* keys, unsigned n, int32_t* positions) const {
    const void* raw[RTE_HASH_LOOKUP_BULK_MAX];
    for (unsigned done = 0; done < n;) {
      const unsigned chunk =
          n - done < RTE_HASH_LOOKUP_BULK_MAX ? n - done : RTE_HASH_LOOKUP_BULK_MAX;
      for (unsigned i = 0; i < chunk; ++i) {
        raw[i] = keys[done + i];
      }
      rte_hash_lookup_bulk(hash_, raw, chunk, positions + done);
      done += chunk;
    }
  }

  /** The entry at a position lookup_bulk() found; marks it as seen again. */
  State& found(int32_t position) {
    State& s = slots_[static_cast<size_t>(position)];
    s.referenced = 1;
    return s;
  }

  /** Start loading the entry at a position from lookup_bulk(). */
  void prefetch(int32_t position) const {
    __builtin_prefetch(&slots_[static_cast<size_t>(position)]);
  }

  /** The entry of `key`, or nullptr. Marks it as seen again. */
  State* find(const Key& key) {
    const int32_t pos = rte_hash_lookup(hash_, &key);
    return pos >= 0 ? &found(pos) : nullptr;
  }

  /**
   * Add a key known to be absent, evicting an entry if the table is full.
   * @param on_remove called with an entry just before it is evicted
   */
  template <typename F>
  State& insert(const Key& key, uint64_t now_ns, F&& on_remove) {
    int32_t pos = rte_hash_add_key(hash_, &key);
    if (pos < 0) {
      evict_one(on_remove);
      pos = rte_hash_add_key(hash_, &key);
    }
    // With the extendable bucket table an add after an eviction cannot fail; should a DPDK
    // change break that, slot 0 is reused rather than writing out of bounds.
    const bool valid = pos >= 0 && static_cast<uint32_t>(pos) < capacity_;
    State& s = slots_[valid ? static_cast<size_t>(pos) : 0];
    s = State{};
    s.key = key;
    s.last_seen_ns = now_ns;
    s.in_use = 1;
    counters_.inserted.add();
    counters_.live.add();
    return s;
  }

  /** Find a key or add it (evicting if full). @param is_new true when added by this call */
  template <typename F>
  State& touch(const Key& key, uint64_t now_ns, bool& is_new, F&& on_remove) {
    if (State* s = find(key)) {
      is_new = false;
      return *s;
    }
    is_new = true;
    return insert(key, now_ns, on_remove);
  }

  /** Remove an entry (e.g. a TCP flow that ended). */
  void remove(State& s) {
    rte_hash_del_key(hash_, &s.key);
    s.in_use = 0;
    counters_.live.set(counters_.live.read() - 1);
  }

  /**
   * Remove entries idle for longer than the timeout, looking at `budget` slots from where the
   * last call stopped. @param on_remove called with each entry before it goes
   */
  template <typename F>
  void expire(uint64_t now_ns, uint32_t budget, F&& on_remove) {
    if (now_ns < idle_timeout_ns_) {
      return;
    }
    const uint64_t horizon = now_ns - idle_timeout_ns_;
    for (uint32_t i = 0; i < budget; ++i) {
      State& s = slots_[aging_hand_];
      aging_hand_ = aging_hand_ + 1 == capacity_ ? 0 : aging_hand_ + 1;
      if (s.in_use && s.last_seen_ns < horizon) {
        on_remove(s);
        remove(s);
        counters_.expired.add();
      }
    }
  }

  /** Visit every entry (on the owning lcore, or after it stopped). */
  template <typename F>
  void for_each(F&& f) {
    for (State& s : slots_) {
      if (s.in_use) {
        f(s);
      }
    }
  }
  template <typename F>
  void for_each(F&& f) const {
    for (const State& s : slots_) {
      if (s.in_use) {
        f(s);
      }
    }
  }

  const table_counters& counters() const { return counters_; }
  uint32_t capacity() const { return capacity_; }
  /** The position of an entry of this table (what lookup_bulk() gives for its key). */
  uint32_t position_of(const State& s) const { return static_cast<uint32_t>(&s - slots_.data()); }

 private:
  clock_hash_table(rte_hash* hash, uint32_t capacity, uint64_t idle_timeout_ns)
      : hash_(hash), capacity_(capacity), idle_timeout_ns_(idle_timeout_ns), slots_(capacity) {}

  template <typename F>
  void evict_one(F&& on_remove) {
    // CLOCK: clear second-chance bits until an unreferenced entry comes round. Each lap
    // clears every bit, so this ends within two laps.
    for (;;) {
      State& s = slots_[clock_hand_];
      clock_hand_ = clock_hand_ + 1 == capacity_ ? 0 : clock_hand_ + 1;
      if (!s.in_use) {
        continue;
      }
      if (s.referenced) {
        s.referenced = 0;
        continue;
      }
      on_remove(s);
      remove(s);
      counters_.evicted.add();
      return;
    }
  }

  rte_hash* hash_;
  uint32_t capacity_;
  uint64_t idle_timeout_ns_;
  uint32_t clock_hand_ = 0;
  uint32_t aging_hand_ = 0;
  std::vector<State> slots_;
  table_counters counters_;
};

}  // namespace scanscope
