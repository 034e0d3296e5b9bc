#pragma once
/**
 * @file
 * The --clickhouse URL: ClickHouse's HTTP interface and the database the sensor writes to,
 * checked at start so a typo stops the run (exit 2) instead of spooling forever.
 *
 *   http://127.0.0.1:8123/?database=scanscope
 *   https://user:secret@ch.example:8443/?database=scanscope
 */

#include <string>

namespace scanscope {

struct clickhouse_url {
  std::string endpoint = "";          /**< scheme://[user:password@]host[:port]/ */
  std::string database = "scanscope"; /**< tables are database.series, .sources, .campaigns */
  std::string shown;                  /**< the URL without its password, for logs */
};

/**
 * Parse and check `text`.
 * @return empty with `out` set, or what is wrong with it
 */
std::string parse_clickhouse_url(const std::string& text, clickhouse_url& out);

}  // namespace scanscope
