#pragma once
/**
 * @file
 * Caps on how often the responder may answer, as the generic cell rate algorithm (a token
 * bucket kept as one time value: the theoretical arrival time of the next answer). One cap for
 * the whole lcore, and one per source in a hashed array: sources that share a slot share a cap,
 * which only makes it stricter, and the array never grows however many sources are spoofed.
 */

#include <cstdint>
#include <vector>

namespace scanscope {

/** One token bucket: `rate` answers per second, bursts of up to `burst`. */
class rate_cap {
 public:
  rate_cap() = default;
  /** rate 0: never allows. */
  rate_cap(double rate, uint32_t burst) { configure(rate, burst); }
  void configure(double rate, uint32_t burst) {
    interval_ns_ = rate > 0 ? static_cast<uint64_t>(1e9 / rate) : 0;
    tolerance_ns_ = interval_ns_ * (burst > 0 ? burst - 1 : 0);
    never_ = rate <= 0;
  }
  /** Take one token at `now_ns` when the bucket has one. */
  bool allow(uint64_t now_ns) { return allow(now_ns, next_ns_); }

  /** The same on an outside time value (a slot of a per-source array). */
  bool allow(uint64_t now_ns, uint64_t& next_ns) const {
    if (never_) {
      return false;
    }
    if (next_ns > now_ns + tolerance_ns_) {
      return false;
    }
    next_ns = (next_ns > now_ns ? next_ns : now_ns) + interval_ns_;
    return true;
  }

 private:
  uint64_t interval_ns_ = 0;
  uint64_t tolerance_ns_ = 0;
  uint64_t next_ns_ = 0;
  bool never_ = true;
};

/** A cap per source, hashed into a fixed array of slots (a power of two). */
class per_source_caps {
 public:
  per_source_caps(double rate, uint32_t burst, uint32_t slots)
      : cap_(rate, burst), next_(slots), mask_(slots - 1) {}
  bool allow(uint64_t source_hash, uint64_t now_ns) {
    return cap_.allow(now_ns, next_[source_hash & mask_]);
  }

 private:
  rate_cap cap_;
  std::vector<uint64_t> next_;
  uint64_t mask_;
};

}  // namespace scanscope
