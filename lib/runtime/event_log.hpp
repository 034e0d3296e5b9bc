#pragma once
/**
 * @file
 * The event log (--events FILE, docs/events.md): JSON lines a SIEM takes, in Suricata EVE's
 * field names where they exist. `alert`: the first hit of a signature by a source on a port in
 * a time bucket, with the destination and the payload's start, from the RX lcores' alert rings;
 * `exposure`: a monitored host first seen answering a scanner on a port (a tap);
 * `campaign` (start, end), `lead_change` and `new_tool`, from each closed bucket. Written by a
 * thread of its own; at most --events-rate lines a second (the rest counted as dropped); the
 * file is reopened on SIGHUP (logrotate's convention); the same lines go to syslog with
 * --events-syslog.
 */

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "export/run_report.hpp"
#include "pipeline/alert_ring.hpp"
#include "runtime/syslog_sink.hpp"

namespace scanscope {

/** What an alert names, per rule slot: copied from the rule file at start and on a reload. */
struct alert_rule {
  std::string name;
  std::string category;
  uint32_t id = 0;
};

/** The event log's counters, for the report ("events") and /metrics. */
struct event_counts {
  uint64_t written = 0;      /**< lines written */
  uint64_t rate_dropped = 0; /**< events past --events-rate */
  uint64_t ring_dropped = 0; /**< alerts an lcore's ring had no room for */
  uint64_t write_errors = 0; /**< lines the file did not take */
  uint64_t reopened = 0;     /**< reopens on SIGHUP */
  uint64_t syslog_sent = 0;  /**< messages sent to syslog */
  uint64_t syslog_errors = 0; /**< messages the syslog socket refused */
};

class event_log {
 public:
  /**
   * Open `path` for appending (none when empty) and start the thread.
   * @param syslog where the same lines go as syslog messages (null: nowhere)
   * @param rate most lines a second (a burst of as many is allowed)
   * @return null with `error` naming the path when it cannot be opened
   */
  static std::unique_ptr<event_log> open(const std::string& path,
                                         std::unique_ptr<syslog_sink> syslog, uint32_t rate,
                                         std::vector<alert_ring*> rings, std::string& error);
  ~event_log();

  /** Name alerts with these rules from now on. */
  void set_rules(std::vector<alert_rule> rules);
  /** A line made elsewhere (a campaign event), after the ones before it. */
  void submit(std::string line);
  /** Close and open the file again (after logrotate moved it). */
  void reopen() { reopen_.store(true, std::memory_order_release); }
  /** Write what the rings and the queue hold, then end the thread. */
  void finish();

  event_counts counts() const;
  const std::string& path() const { return path_; }
  /** Where the syslog messages go; empty without. */
  std::string syslog_target() const { return syslog_ ? syslog_->target() : std::string(); }

 private:
  event_log(std::string path, uint32_t rate, std::vector<alert_ring*> rings)
      : path_(std::move(path)), rate_(rate), tokens_(rate), rings_(std::move(rings)) {}
  void run();
  /** One pass over the rings and the queue; true when it found anything. */
  bool pass();
  /** Write one line within the rate; false when it was dropped (counted). */
  bool write(const std::string& line);
  std::string alert_line(const alert_record& a);
  /** An exposure; empty when one of its (host, port) was written already. */
  std::string exposure_line(const alert_record& a);
  /** An indicator an emulated conversation gave (kind and value). */
  static std::string indicator_line(const alert_record& a);

  std::string path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<syslog_sink> syslog_;
  uint32_t rate_;
  double tokens_;
  uint64_t last_refill_ns_ = 0;
  std::vector<alert_ring*> rings_;
  mutable std::mutex lock_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  std::vector<alert_rule> rules_;
  std::set<std::pair<std::string, uint16_t>> exposed_;  // the thread's own
  event_counts counts_;
  std::atomic<bool> reopen_{false};
  bool stopping_ = false;
  std::thread thread_;
};

/**
 * The event lines of one closed bucket: campaigns that started (and `new_tool` for those no
 * rule names) or ended, and lead changes.
 * @param r a report with the series store and the names (fill_names())
 */
std::vector<std::string> campaign_event_lines(const run_report& r, const watched_ports& ports,
                                              const closed_bucket& closed);

}  // namespace scanscope
