#pragma once
/**
 * @file
 * A closed bucket as rows of the fleet store's three tables (config/clickhouse/schema.sql), in
 * ClickHouse's TabSeparated format:
 * - series: the lines the series files hold (packets and this sensor's distinct sources);
 * - sources: one row per (port, source) that showed in the bucket, with its country and the
 *   clusters, tools, signatures and actor it was counted under, so that distinct sources
 *   across sensors are exact (uniqExact over the rows of every sensor);
 * - campaigns: each campaign open in the bucket or ended by it, as it stands after it;
 * - indicators: with --emulate, each indicator that came again in the bucket, as it stands
 *   after it (its count and sources since the run began).
 * Every row carries the sensor and the run (the start of the sensor process, in microseconds):
 * a table that drops duplicate keys (ReplacingMergeTree) makes a retried bucket count once,
 * while a bucket cut short by a stop and completed by the next run adds up.
 */

#include <cstdint>
#include <string>
#include <vector>

#include "export/run_report.hpp"
#include "export/series_files.hpp"
#include "stats/series_store.hpp"

namespace scanscope {

/** One table's part of a bucket: the body of `INSERT INTO table FORMAT TabSeparated`. */
struct table_rows {
  std::string table;
  uint64_t rows = 0;
  std::string body;
};

/** What one closed bucket sends. */
struct bucket_batch {
  std::string sensor;
  uint64_t run = 0;
  int64_t bucket = 0;
  uint64_t start_s = 0; /**< the bucket's start, seconds since the epoch */
  std::vector<table_rows> tables;

  uint64_t bytes() const;
  uint64_t rows() const;
};

/** Who sends, and how buckets map to time. */
struct fleet_identity {
  std::string sensor;
  uint64_t run = 0;       /**< microseconds since the epoch when the sensor started */
  uint64_t bucket_ns = 0; /**< bucket width */
};

/**
 * The campaigns open in `closed` or ended by it, as rows.
 * @param names           the names behind series keys (for the ports)
 * @param campaign_names  the names behind campaign scopes (a report's name tables)
 */
table_rows make_campaign_rows(const fleet_identity& identity, const closed_bucket& closed,
                              const series_names& names, const run_report& campaign_names,
                              const campaign_detector& campaigns);

/**
 * The indicators last seen in `closed` or after it, as rows: a row per indicator each bucket it
 * comes again, the highest version its latest state.
 */
table_rows make_indicator_rows(const fleet_identity& identity, const closed_bucket& closed,
                               const std::vector<indicator_total>& indicators);

/**
 * The rows of `closed`: its series and sources, and `campaigns` (make_campaign_rows()).
 * @param names the names behind series keys
 */
bucket_batch make_bucket_batch(const fleet_identity& identity, const closed_bucket& closed,
                               bool partial, const series_names& names, table_rows campaigns,
                               table_rows indicators);

/** `text` escaped for a TabSeparated field. */
std::string tsv_escape(const std::string& text);

}  // namespace scanscope
