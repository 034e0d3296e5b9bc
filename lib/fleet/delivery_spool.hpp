#pragma once
/**
 * @file
 * The buckets the fleet store has not taken yet, on disk: one file per bucket in a folder,
 * named by a sequence number so they are delivered in the order they closed, and read back
 * when the sensor starts again. The folder is bounded in bytes: a bucket that does not fit
 * drops the oldest ones, and every drop is counted. A file that cannot be read back (cut short
 * by a crash, edited) is renamed to *.bad, named in the log and counted, never half-delivered.
 */

#include <cstdint>
#include <deque>
#include <string>

#include "fleet/bucket_rows.hpp"

namespace scanscope {

class delivery_spool {
 public:
  /** @param max_bytes most bytes the spooled buckets may take */
  delivery_spool(std::string dir, uint64_t max_bytes);

  /**
   * Create the folder if missing and take the buckets an earlier run left there.
   * @return empty, or why the folder cannot be used (naming it)
   */
  std::string open();

  /**
   * Write `b` behind the others, dropping the oldest while the folder would exceed its bound.
   * @return empty, or why it could not be written (the bucket is then lost, and counted)
   */
  std::string push(const bucket_batch& b);

  /**
   * Read the oldest bucket into `out`.
   * @return empty with `out` set; or why the file is unreadable (it is set aside as *.bad and
   *         taken off the spool; call again for the next)
   */
  std::string front(bucket_batch& out);
  /**
   * Read the `i`-th oldest bucket into `out` (0 is front()'s), leaving it in place.
   * @return empty, or why it cannot be read (front() sets it aside when it gets there)
   */
  std::string peek(size_t i, bucket_batch& out) const;
  /** Remove the oldest bucket (delivered). */
  void pop();

  /** Whether `b` fits beside what is spooled without dropping any (its header counted at a
   *  generous 4 KiB). */
  bool fits(const bucket_batch& b) const { return bytes_ + b.bytes() + 4096 <= max_bytes_; }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  uint64_t bytes() const { return bytes_; }
  /** When the oldest spooled bucket was written, seconds since the epoch (0 when empty). */
  double oldest_written() const { return entries_.empty() ? 0.0 : entries_.front().written; }
  /** Buckets dropped to stay in bounds, or lost because they could not be written. */
  uint64_t dropped() const { return dropped_; }
  /** Files set aside as unreadable. */
  uint64_t damaged() const { return damaged_; }
  const std::string& dir() const { return dir_; }

 private:
  struct entry {
    uint64_t sequence;
    uint64_t bytes;
    double written; /**< seconds since the epoch */
  };
  std::string path_of(uint64_t sequence) const;
  void drop_front();

  std::string dir_;
  uint64_t max_bytes_;
  std::deque<entry> entries_;
  uint64_t bytes_ = 0;
  uint64_t next_sequence_ = 1;
  uint64_t dropped_ = 0;
  uint64_t damaged_ = 0;
};

}  // namespace scanscope
