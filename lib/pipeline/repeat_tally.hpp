#pragma once
/**
 * @file
 * Repeats counted later. A horizontal scan sends one combination (port, cluster, tool,
 * fingerprint) to many addresses; counting each such repeat touches some twenty counter lines
 * (per-port arrays, totals, the hour's series entries, the fingerprint slot). Instead a repeat
 * adds to its source's record (one line, next to the source's own state), and the record is
 * folded into those counters later, all its packets at once: when the source changes
 * combination or leaves the table, when the record has waited max_lag, when its bucket ends,
 * and when the lcore stops. Readers of the counters therefore lag by at most max_lag of packet
 * time (live: wall time); a bucket is folded at its end, before the stats side can close it.
 */

#include <cstdint>
#include <memory>

#include "fingerprint/probe_shape.hpp"
#include "pipeline/count_point.hpp"
#include "table/table_array.hpp"

namespace scanscope {

/** The waiting repeats of a source's last combination, and where they are to be counted. */
struct repeat_record {
  uint32_t packets = 0;     /**< repeats not yet counted */
  uint32_t bytes = 0;       /**< their bytes on the link */
  uint32_t bucket = 0;      /**< time bucket of the combination (bucket numbers are >= 0) */
  uint32_t fingerprint = 0; /**< fingerprint_table index, or no_slot */
  /** Where the repeats count. Its AS number is set when the source is new and kept for as long
   *  as the source holds the position (the source's own line has no room; this one is loaded
   *  with it); its marks carry the record's own bits, valid and queued, too. */
  count_point at{};

  /** Does a packet to `dst_port` in `bucket` continue the record's combination, as far as the
   *  record alone tells? (The rest of the combination follows from the packet's shape: see
   *  worker::classify.) */
  bool continues(uint16_t dst_port, bool tcp, int64_t in_bucket) const {
    return (at.marks & valid) && at.dst_port == dst_port && at.tcp() == tcp &&
           static_cast<int64_t>(bucket) == in_bucket;
  }

  static constexpr uint32_t no_slot = UINT32_MAX;
  static constexpr uint8_t valid = 1;  /**< describes the source's last combination */
  static constexpr uint8_t queued = 8; /**< in the fold queue */
  static_assert(((valid | queued) & (count_point::tcp_mark | count_point::fingerprint_mark)) == 0,
                "the record's bits beside the point's");
  /** Fold before the byte count could wrap: a frame is at most 64 KiB. */
  static constexpr uint32_t byte_limit = UINT32_MAX - 65536;
};
static_assert(sizeof(repeat_record) == 32, "half a cache line");

/** What a source's packets leave beside its state: its repeat record and its last shape, one
 *  cache line per source-table position, loaded with the source. */
struct alignas(64) source_line {
  repeat_record repeat;
  shape_memo shape;
};
static_assert(sizeof(source_line) == 64, "one cache line per source");

/** One line per source-table position, and the queue of records with waiting repeats. */
class repeat_tally {
 public:
  /** @param positions the source table's capacity; @param max_lag_ns longest wait */
  repeat_tally(uint32_t positions, uint64_t max_lag_ns)
      : records_(positions),
        queue_(std::make_unique<entry[]>(positions)),
        capacity_(positions),
        max_lag_ns_(max_lag_ns) {}

  repeat_record& at(uint32_t position) { return records_[position].repeat; }
  /** The last shape of the source at `position` (a pure cache: see shape_memo). */
  shape_memo& shape_at(uint32_t position) { return records_[position].shape; }
  /** The position of a record at(position) returned. */
  uint32_t position_of(const repeat_record& r) const {
    return static_cast<uint32_t>(reinterpret_cast<const source_line*>(&r) - records_.data());
  }
  void prefetch(uint32_t position) const { __builtin_prefetch(&records_[position]); }

  /** One more repeat (`bytes` on the link, at `time_ns`) waits in the record at `position`. */
  void add(uint32_t position, uint64_t time_ns, uint32_t bytes) {
    repeat_record& r = records_[position].repeat;
    if (r.packets++ == 0) {
      queue(position, time_ns);
    }
    r.bytes += bytes;
  }

  /** The record at `position` now holds repeats (from `time_ns`): queue it once. Each position
   *  is queued at most once, so the queue never overflows. */
  void queue(uint32_t position, uint64_t time_ns) {
    repeat_record& r = records_[position].repeat;
    if (r.at.marks & repeat_record::queued) {
      return;
    }
    r.at.marks |= repeat_record::queued;
    queue_[tail_] = {position, time_ns};
    tail_ = tail_ + 1 == capacity_ ? 0 : tail_ + 1;
    ++size_;
  }

  /**
   * The next queued record to fold at `now_ns` (all of them when `everything`): its wait is
   * over, or the bucket it counts in has ended by then.
   * @return nullptr when none is due
   */
  repeat_record* next_due(uint64_t now_ns, uint64_t bucket_ns, bool everything) {
    if (size_ == 0) {
      return nullptr;
    }
    const entry e = queue_[head_];
    repeat_record& r = records_[e.position].repeat;
    const uint64_t bucket_end = (uint64_t{r.bucket} + 1) * bucket_ns;
    if (!everything && now_ns < e.time_ns + max_lag_ns_ && now_ns < bucket_end) {
      return nullptr;
    }
    head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
    --size_;
    r.at.marks &= static_cast<uint8_t>(~repeat_record::queued);
    return &r;
  }

 private:
  struct entry {
    uint32_t position;
    uint64_t time_ns; /**< when its first waiting repeat came */
  };
  table_array<source_line> records_;
  std::unique_ptr<entry[]> queue_;
  uint32_t capacity_;
  uint64_t max_lag_ns_;
  uint32_t head_ = 0;
  uint32_t tail_ = 0;
  uint32_t size_ = 0;
};

}  // namespace scanscope
