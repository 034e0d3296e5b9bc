#pragma once
/**
 * @file
 * Ships closed buckets to ClickHouse from a thread of its own: the stats loop only hands a
 * bucket's rows over (a lock and a move). Each bucket is written to the on-disk spool as soon
 * as its rows are made (write-ahead: a crash loses none), delivered from there in the order
 * they closed, and taken off once the server took it; while the server does not take them
 * (down, or an error) the spool is retried with a growing pause. At the end of a run what is
 * left is delivered within a deadline, or stays spooled for the next run.
 */

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "export/run_report.hpp"
#include "fleet/bucket_rows.hpp"
#include "fleet/clickhouse_client.hpp"
#include "fleet/delivery_spool.hpp"

namespace scanscope {

struct exporter_settings {
  clickhouse_url url;
  std::string sensor;
  std::string spool_dir;
  uint64_t spool_bytes = 256ULL << 20;
  double request_timeout_s = 10; /**< one INSERT, connection included */
  double retry_min_s = 1;        /**< first pause after a failure; doubles up to retry_max_s */
  double retry_max_s = 30;
};

class clickhouse_exporter {
 public:
  /**
   * Open the spool (taking what an earlier run left) and start the thread.
   * @return null with `error` set when the spool folder cannot be used
   */
  static std::unique_ptr<clickhouse_exporter> start(exporter_settings settings,
                                                    std::string& error);
  ~clickhouse_exporter();

  /**
   * Stats side: deliver a bucket after the ones before it. `make` makes its rows, on the
   * exporter's thread (it must own what it reads). Never waits on the network.
   */
  void submit(std::function<bucket_batch()> make);

  /**
   * Stop: deliver what is waiting for up to `seconds`, spool the rest, end the thread. One
   * failed delivery ends the attempt (the server is down: waiting longer helps nobody).
   */
  void finish(double seconds);

  /** The counters, for /metrics and the report. */
  fleet_delivery snapshot() const;

 private:
  explicit clickhouse_exporter(exporter_settings settings);
  void run();
  /** Send the tables of `b` from `first_table` on; true when all went. */
  bool deliver(const bucket_batch& b, size_t& first_table);
  /** Send buckets that closed one after the other in one INSERT per table. */
  bool deliver_group(const std::vector<bucket_batch>& group);
  void note_failure(const insert_result& r, const std::string& table);
  void note_success();
  /** Deliver the spool's oldest buckets; false when the server did not take them. */
  bool deliver_spooled();
  void mirror_spool();
  /** Write `b` to the spool; `waits`: because the server is away (counted as spooled), not
   *  ahead of its first delivery. */
  void spool(const bucket_batch& b, bool waits);

  exporter_settings settings_;
  clickhouse_client client_;
  delivery_spool spool_;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<bucket_batch()>> queue_;
  bool finishing_ = false;
  double deadline_ = 0;   /**< steady seconds when finishing must end */
  std::string last_error_;

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> rows_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> spooled_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> damaged_{0};
  std::atomic<uint64_t> spool_buckets_{0};
  std::atomic<uint64_t> spool_bytes_{0};
  std::atomic<double> spool_oldest_{0}; /**< seconds since the epoch; 0: spool empty */
  std::atomic<uint64_t> queued_{0};

  // Thread side only.
  bool failing_ = false;
  double failing_since_ = 0;
  double pause_s_ = 0;
  std::set<std::string> logged_;  /**< server messages logged already */
  size_t head_done_ = 0;          /**< tables of the spool's oldest bucket already delivered */
  uint64_t untried_ = 0;          /**< the spool's newest buckets, written ahead, not yet tried */
};

}  // namespace scanscope
