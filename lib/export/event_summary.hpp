#pragma once
/**
 * @file
 * The event log's counters as the report ("events") and /metrics show them, declared once in
 * SCANSCOPE_EVENT_NUMBERS.
 */

#include <cstdint>
#include <string>

// X(field, metric name, metric type, help)
#define SCANSCOPE_EVENT_NUMBERS(X)                                                              \
  X(written, "scanscope_events_written_total", "counter", "Event lines written to --events.")  \
  X(rate_dropped, "scanscope_events_dropped_total", "counter",                                 \
    "Events past --events-rate, not written.")                                                 \
  X(ring_dropped, "scanscope_events_alerts_lost_total", "counter",                             \
    "Alerts an RX lcore's ring had no room for (the event log's thread fell behind).")        \
  X(write_errors, "scanscope_events_write_errors_total", "counter",                            \
    "Event lines the file did not take (a full disk), and reopens that failed.")              \
  X(reopened, "scanscope_events_reopened_total", "counter",                                    \
    "Times the event file was reopened on SIGHUP.")                                           \
  X(syslog_sent, "scanscope_events_syslog_sent_total", "counter",                              \
    "Event messages sent to --events-syslog.")                                                 \
  X(syslog_errors, "scanscope_events_syslog_errors_total", "counter",                          \
    "Event messages the syslog socket refused (no listener, a queue full for a second).")

namespace scanscope {

/** The event log (--events). */
struct event_summary {
  bool enabled = false;
  std::string path;    /**< the file ("": none) */
  std::string syslog;  /**< --events-syslog's target ("": none) */
#define SCANSCOPE_EVENT_FIELD(field, metric, kind, help) uint64_t field = 0;
  SCANSCOPE_EVENT_NUMBERS(SCANSCOPE_EVENT_FIELD)
#undef SCANSCOPE_EVENT_FIELD
};

}  // namespace scanscope
