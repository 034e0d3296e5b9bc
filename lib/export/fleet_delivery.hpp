#pragma once
/**
 * @file
 * The fleet store exporter's counters as the report and /metrics show them. The numbers are
 * declared once, in SCANSCOPE_FLEET_NUMBERS: the struct, the JSON report's "fleet" object and
 * the scanscope_clickhouse_* metric families are all generated from the list.
 */

#include <cstdint>
#include <string>

// X(field, type, metric name, metric type, help)
#define SCANSCOPE_FLEET_NUMBERS(X)                                                              \
  X(buckets_delivered, uint64_t, "scanscope_clickhouse_buckets_delivered_total", "counter",     \
    "Closed buckets ClickHouse took (a bucket without rows has nothing to send).")              \
  X(rows_delivered, uint64_t, "scanscope_clickhouse_rows_delivered_total", "counter",           \
    "Rows of the buckets ClickHouse took, all tables.")                                        \
  X(retries, uint64_t, "scanscope_clickhouse_retries_total", "counter",                         \
    "Deliveries that failed and are tried again (server down or refusing).")                   \
  X(rejected, uint64_t, "scanscope_clickhouse_rejected_total", "counter",                       \
    "Failed deliveries the server answered with an error (see the log for its message).")      \
  X(buckets_spooled, uint64_t, "scanscope_clickhouse_buckets_spooled_total", "counter",         \
    "Buckets written to the on-disk spool because ClickHouse did not take them.")              \
  X(buckets_dropped, uint64_t, "scanscope_clickhouse_buckets_dropped_total", "counter",         \
    "Spooled buckets dropped: the spool was full (oldest first) or could not be written.")     \
  X(buckets_damaged, uint64_t, "scanscope_clickhouse_buckets_damaged_total", "counter",         \
    "Spool files that could not be read back, set aside as *.bad.")                           \
  X(spool_buckets, uint64_t, "scanscope_clickhouse_spool_buckets", "gauge",                     \
    "Buckets waiting in the spool.")                                                            \
  X(spool_bytes, uint64_t, "scanscope_clickhouse_spool_bytes", "gauge",                         \
    "Bytes of the buckets waiting in the spool.")                                               \
  X(spool_oldest_seconds, double, "scanscope_clickhouse_spool_oldest_age_seconds", "gauge",     \
    "Age of the oldest bucket waiting in the spool (0: none waits).")                          \
  X(queued, uint64_t, "scanscope_clickhouse_queued_buckets", "gauge",                           \
    "Closed buckets handed to the exporter and not yet sent or spooled.")                      \
  X(arrivals_dropped, uint64_t, "scanscope_clickhouse_source_rows_dropped_total", "counter",    \
    "(port, source) arrivals a bucket had no room to list (raise --bucket-sources).")

namespace scanscope {

/** Delivery of closed buckets to the fleet store (--clickhouse). */
struct fleet_delivery {
  bool enabled = false;
  std::string target;     /**< the URL, without its password */
  std::string sensor;     /**< this sensor's name in the store */
  std::string last_error; /**< the last failure, in the server's words */
#define SCANSCOPE_FLEET_FIELD(field, type, metric, kind, help) type field = 0;
  SCANSCOPE_FLEET_NUMBERS(SCANSCOPE_FLEET_FIELD)
#undef SCANSCOPE_FLEET_FIELD
};

}  // namespace scanscope
