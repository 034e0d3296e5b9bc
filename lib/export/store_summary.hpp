#pragma once
/**
 * @file
 * The source store's counters as the report and /metrics show them, declared once in
 * SCANSCOPE_STORE_NUMBERS: the struct, the JSON report's "source_store" object and the
 * scanscope_source_store_* metric families are generated from the list.
 */

#include <cstdint>
#include <string>

// X(field, metric name, metric type, help)
#define SCANSCOPE_STORE_NUMBERS(X)                                                             \
  X(sources, "scanscope_source_store_sources", "gauge",                                        \
    "Sources the source store holds (seen within the retention period).")                     \
  X(buckets, "scanscope_source_store_buckets_total", "counter",                                \
    "Closed buckets the source store took.")                                                   \
  X(queued, "scanscope_source_store_queued_buckets", "gauge",                                  \
    "Closed buckets handed to the source store and not yet in it.")                            \
  X(dropped, "scanscope_source_store_dropped_total", "counter",                                \
    "New sources the store had no room for (--source-store-max).")                             \
  X(expired, "scanscope_source_store_expired_total", "counter",                                \
    "Sources deleted from the store, silent longer than the retention period.")               \
  X(write_errors, "scanscope_source_store_write_errors_total", "counter",                      \
    "Store writes that failed (a full disk, say); the first is logged.")                      \
  X(arrivals_dropped, "scanscope_bucket_sources_dropped_total", "counter",                     \
    "(port, source) arrivals a bucket had no room to list for the stores (--bucket-sources).") \
  X(untallied, "scanscope_source_store_untallied_packets_total", "counter",                    \
    "Packets in no stored source's count: the bucket had no room for one more source, or the " \
    "source listed nothing there (packets without ports only, or its arrivals dropped).")

namespace scanscope {

/** The source store (--source-store). */
struct store_summary {
  bool enabled = false;
  std::string path;       /**< the database file; empty: a temporary one */
  std::string first_error;
#define SCANSCOPE_STORE_FIELD(field, metric, kind, help) uint64_t field = 0;
  SCANSCOPE_STORE_NUMBERS(SCANSCOPE_STORE_FIELD)
#undef SCANSCOPE_STORE_FIELD
};

}  // namespace scanscope
