#pragma once
/**
 * @file
 * The series folder's write-ahead record, `DIR/written-buckets`: before a bucket's lines are
 * appended to the day files, a `begin` line notes the files' sizes; after they all reached the
 * files, an `end` line. A start that finds a `begin` with nothing after it (a crash or a full
 * disk cut that bucket's write short) cuts the day files back to the noted sizes: a bucket is
 * in the files whole or not at all. The `end` lines also say which input wrote which bucket,
 * so a rerun over the same captures leaves the buckets it already wrote alone.
 *
 * Lines (text, one event each; INPUT is the capture identity in hex, or `live`):
 *   begin INPUT START_S DAY JSONL_BYTES CSV_BYTES
 *   end INPUT START_S LINES PARTIAL   (PARTIAL 1: a stop cut the bucket short)
 *   undone INPUT START_S        (its lines were taken back)
 */

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

namespace scanscope {

class series_ledger {
 public:
  /**
   * @param input this run's input: a capture identity in hex, or "live" (never recognised)
   * @param bucket_ns the folder's bucket width
   */
  series_ledger(std::string dir, std::string input, uint64_t bucket_ns);
  ~series_ledger();
  series_ledger(const series_ledger&) = delete;
  series_ledger& operator=(const series_ledger&) = delete;

  /**
   * Read the record and take back a bucket whose write was cut short.
   * @return empty, or why the record cannot be read or written (naming file and line)
   */
  std::string open();
  /** What open() took back, in words ("" when nothing). */
  const std::string& repaired() const { return repaired_; }

  /** This run's input, as its lines and the record name it. */
  const std::string& input() const { return input_; }

  /** Whether this input wrote bucket `bucket` whole in an earlier run. */
  bool written(int64_t bucket) const { return done_.count(bucket) != 0; }
  /** Buckets this input wrote whole in earlier runs. */
  const std::set<int64_t>& written_buckets() const { return done_; }
  /** Of those, the ones with lines (a bucket with nothing counted writes none). */
  const std::set<int64_t>& written_with_lines() const { return done_lines_; }
  /** Buckets this input wrote cut short by a stop (an interrupted run over captures). */
  const std::set<int64_t>& written_partial() const { return partial_; }
  /** Take `buckets` as not written (their lines were taken back or are gone), in the record
   *  too. @return empty, or why the record could not be written */
  std::string forget(const std::set<int64_t>& buckets);

  /** Before appending `bucket` to the files of `day`: note their sizes. */
  std::string begin(int64_t bucket, const std::string& day);
  /** After all `lines` lines of `bucket` reached the files. */
  std::string end(int64_t bucket, uint64_t lines, bool partial);

  /** Buckets with lines in the files by the record (any input's), from `first` on. */
  std::set<int64_t> buckets_with_lines(int64_t first) const;
  /** After a failed append: cut the day's files back to their sizes at begin(). */
  std::string undo(int64_t bucket);

  /** The two day files of `day` under `dir`, without the extension. */
  static std::string day_base(const std::string& dir, const std::string& day);

 private:
  std::string put(const std::string& line);
  int64_t bucket_of(int64_t start_s) const;
  int64_t start_of(int64_t bucket) const;
  std::string cut_back(const std::string& day, uint64_t jsonl_bytes, uint64_t csv_bytes);

  std::string dir_;
  std::string path_;
  std::string input_;
  uint64_t bucket_ns_;
  std::FILE* out_ = nullptr;
  std::set<int64_t> done_;          /**< this input's buckets, whole */
  std::set<int64_t> done_lines_;    /**< of those, the ones with lines */
  std::set<int64_t> partial_;       /**< this input's buckets cut short by a stop */
  std::set<int64_t> with_lines_;    /**< any input's buckets that wrote lines */
  std::string repaired_;
  // The bucket being written (between begin and end).
  std::string open_day_;
  uint64_t open_jsonl_ = 0;
  uint64_t open_csv_ = 0;
};

}  // namespace scanscope
