#pragma once
/**
 * @file
 * Offline input: reads a capture with libpcap and hands each record, as an mbuf, to the RX
 * lcores through one single-producer/single-consumer ring per lcore. The lcores then run the
 * same burst function as on a NIC queue. DPDK 22.11's net_pcap cannot say when a file ends;
 * this reader can, so an offline run stops exactly at the end of the capture.
 *
 * Frames are spread over the rings by a hash of the source address (software RSS), so each
 * source lives on one lcore just as with RTE_ETH_RSS_L3_SRC_ONLY on a NIC.
 */

#include <rte_mempool.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "packet/capture_link.hpp"
#include "packet/prefix_set.hpp"

struct pcap;

namespace scanscope {

/** How far the reader has got, for progress lines. */
struct feeder_progress {
  uint64_t records = 0;     /**< records handed to the lcores */
  uint64_t file_offset = 0; /**< bytes of the file read so far */
  uint64_t file_size = 0;   /**< size of the file (0 when not a regular file) */
};

/** What the reader did, for the report. */
struct feeder_result {
  uint64_t records = 0;         /**< records handed to the lcores */
  uint64_t clipped_records = 0; /**< records longer than an mbuf: only the first bytes went on */
  uint64_t errors = 0;          /**< read errors (a damaged capture stops the reader) */
  std::string error;            /**< libpcap's message for the first error, with the record */
  bool interrupted = false;     /**< stopped by the stop flag before the end of the file */
};

/**
 * Time buckets close while the capture is read: before the first record of a later time is
 * handed out, every frame handed out so far must have been counted, so that the bucket being
 * closed is complete. The reader asks `due` with each record's time; when it says yes, the
 * reader hands out what it holds and calls `close` with how many frames each ring has been given
 * in all; `close` waits until the lcores have counted that many, then folds.
 */
struct bucket_hooks {
  std::function<bool(uint64_t record_time_ns)> due;
  std::function<void(uint64_t record_time_ns, const std::vector<uint64_t>& enqueued)> close;
};

class offline_feeder {
 public:
  ~offline_feeder();
  offline_feeder(const offline_feeder&) = delete;
  offline_feeder& operator=(const offline_feeder&) = delete;

  /**
   * Open a capture (pcap or pcapng, microsecond or nanosecond timestamps).
   * @param path  capture file
   * @param error set to a message naming the file when it cannot be read
   */
  static std::unique_ptr<offline_feeder> open(const std::string& path, std::string& error);

  /**
   * The time of a capture's first record (ns since the epoch), read by a feeder of its own;
   * nothing for a capture that cannot be read or holds no record.
   */
  static std::optional<uint64_t> first_record_ns(const std::string& path);

  /** The link type of the capture, as libpcap names it (e.g. "EN10MB"). */
  std::string link_name() const;

  /**
   * Read the whole capture into the rings.
   * @param pool   mempool for the mbufs (data room decides how much of a record fits)
   * @param rings  one ring per RX lcore; a full ring makes the reader wait, never drop
   * @param stop   set by a signal handler: stop reading
   * @param tick   called about every `tick_seconds` with the progress (on this thread)
   * @param tick_seconds interval between tick calls
   */
  feeder_result run(rte_mempool* pool, const std::vector<rte_ring*>& rings,
                    const std::atomic<bool>& stop,
                    const std::function<void(const feeder_progress&)>& tick, double tick_seconds,
                    const bucket_hooks& buckets = {});

  /**
   * Spread frames by the remote address: a frame from a monitored address goes to the lcore of
   * its destination, so a host's answer meets the scanner's probe on one lcore. Null: by source.
   */
  void set_monitored(const prefix_set* monitored) { monitored_ = monitored; }

  /** Frames handed to each ring so far (over every run() of this reader). */
  const std::vector<uint64_t>& enqueued() const { return enqueued_; }

 private:
  offline_feeder(pcap* handle, capture_link link, std::string path);

  pcap* handle_;
  capture_link link_;
  std::string path_;
  std::vector<uint64_t> enqueued_;
  const prefix_set* monitored_ = nullptr;
};

}  // namespace scanscope
