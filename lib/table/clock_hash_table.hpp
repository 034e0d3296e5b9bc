#pragma once
/**
 * @file
 * A bounded table owned by one RX lcore: an index (key_index.hpp) maps a key's hash to a
 * slot, slots hold the state and the key. Memory is fixed at creation. A full table evicts with a
 * CLOCK hand: entries never seen again since they were added go first, entries seen again get a
 * second chance. Idle entries age out by a sweep the lcore runs a few slots at a time. Sources and
 * TCP flows both live in one of these.
 *
 * State needs the members `Key key`, `uint64_t last_seen_ns`, and `in_use` and `referenced`
 * (bytes or one-bit fields).
 */

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "common/counter.hpp"
#include "table/key_index.hpp"
#include "table/table_array.hpp"

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
  clock_hash_table(const clock_hash_table&) = delete;
  clock_hash_table& operator=(const clock_hash_table&) = delete;

  /**
   * @param name            unique per process, for messages
   * @param what            what the entries are, for the error message ("sources", "flows")
   * @param capacity        most entries held (at least 8); the memory is the process's own
   * @param idle_timeout_ns an entry idle this long is removed by expire()
   */
  static std::unique_ptr<clock_hash_table> create(const std::string& name, const char* what,
                                                  uint32_t capacity, uint64_t idle_timeout_ns,
                                                  std::string& error) {
    if (capacity < 8) {
      capacity = 8;
    }
    try {
      return std::unique_ptr<clock_hash_table>(new clock_hash_table(capacity, idle_timeout_ns));
    } catch (const std::bad_alloc&) {
      error = "cannot create table '" + name + "' of " + std::to_string(capacity) + " " + what +
              ": out of memory";
      return nullptr;
    }
  }

  /**
   * Look up several keys at once: their index buckets load together, then their entries.
   * @param positions filled with a slot per key, or a negative value when absent
   */
  void lookup_bulk(const Key* const* keys, unsigned n, int32_t* positions) const {
    constexpr unsigned chunk_max = 64;
    uint64_t hashes[chunk_max];
    for (unsigned done = 0; done < n; done += chunk_max) {
      const unsigned chunk = n - done < chunk_max ? n - done : chunk_max;
      for (unsigned i = 0; i < chunk; ++i) {
        hashes[i] = key_hash64(*keys[done + i]);
        index_.prefetch(hashes[i]);
      }
      for (unsigned i = 0; i < chunk; ++i) {
        positions[done + i] = index_.candidate(hashes[i]);
        if (positions[done + i] >= 0) {
          __builtin_prefetch(&slots_[static_cast<size_t>(positions[done + i])]);
        }
      }
      for (unsigned i = 0; i < chunk; ++i) {
        int32_t& pos = positions[done + i];
        // A tag shared by chance, or a key past its home bucket: the full search (rare).
        if (pos < 0 || !holds(pos, *keys[done + i])) {
          pos = find_position(*keys[done + i], hashes[i]);
        }
      }
    }
  }

  /** The entry at a position lookup_bulk() found; marks it as seen again. */
  State& found(int32_t position) {
    State& s = slots_[static_cast<size_t>(position)];
    s.referenced = 1;
    return s;
  }

  /** The entry at `position`, as it is (not marked as seen again). */
  const State& at(uint32_t position) const { return slots_[position]; }

  /** Start loading the entry at a position from lookup_bulk(). */
  void prefetch(int32_t position) const {
    __builtin_prefetch(&slots_[static_cast<size_t>(position)]);
  }

  /** The entry of `key`, or nullptr. Marks it as seen again. */
  State* find(const Key& key) {
    const int32_t pos = find_position(key, key_hash64(key));
    return pos >= 0 ? &found(pos) : nullptr;
  }

  /**
   * Add a key known to be absent, evicting an entry if the table is full.
   * @param on_remove called with an entry just before it is evicted
   */
  template <typename F>
  State& insert(const Key& key, uint64_t now_ns, F&& on_remove) {
    if (free_count_ == 0) {
      evict_one(on_remove);
    }
    const uint32_t pos = free_[free_head_];
    free_head_ = free_head_ + 1 == capacity_ ? 0 : free_head_ + 1;
    --free_count_;
    index_.add(key_hash64(key), pos);
    State& s = slots_[pos];
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

  /** Remove an entry (e.g. a TCP flow that ended); an entry already removed stays so. */
  void remove(State& s) {
    if (!s.in_use) {
      return;
    }
    const uint32_t pos = position_of(s);
    index_.erase(key_hash64(s.key), pos);
    const uint32_t tail = free_head_ + free_count_;
    free_[tail >= capacity_ ? tail - capacity_ : tail] = pos;
    ++free_count_;
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
  clock_hash_table(uint32_t capacity, uint64_t idle_timeout_ns)
      : capacity_(capacity),
        idle_timeout_ns_(idle_timeout_ns),
        slots_(capacity),
        index_(capacity),
        free_(std::make_unique<uint32_t[]>(capacity)),
        free_count_(capacity) {
    // Positions are handed out in order and reused oldest-freed first, so an entry that just
    // left is not at once replaced where the aging hand has just been.
    for (uint32_t i = 0; i < capacity; ++i) {
      free_[i] = i;
    }
  }

  bool holds(int32_t pos, const Key& key) const {
    const State& s = slots_[static_cast<size_t>(pos)];
    return s.in_use && std::memcmp(&s.key, &key, sizeof(Key)) == 0;
  }

  int32_t find_position(const Key& key, uint64_t hash) const {
    return index_.find(hash, [&](uint32_t pos) { return holds(static_cast<int32_t>(pos), key); });
  }

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

  uint32_t capacity_;
  uint64_t idle_timeout_ns_;
  uint32_t clock_hand_ = 0;
  uint32_t aging_hand_ = 0;
  table_array<State> slots_;
  key_index index_;
  /** Free positions, a ring: free_count_ of them from free_head_. */
  std::unique_ptr<uint32_t[]> free_;
  uint32_t free_head_ = 0;
  uint32_t free_count_;
  table_counters counters_;
};

}  // namespace scanscope
