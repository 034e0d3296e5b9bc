#pragma once
/**
 * @file
 * Options of the fleet store: the ClickHouse server closed buckets go to, this sensor's name
 * there, and the spool that holds buckets while the server is away (docs/fleet.md).
 */

#include <string>
#include <utility>

#include "fleet/clickhouse_url.hpp"

namespace boost::program_options {
class options_description;
}

namespace scanscope {

struct fleet_settings {
  std::string clickhouse;         /**< --clickhouse as given ("" : no fleet store) */
  std::string sensor;             /**< --sensor ("" : the host name) */
  std::string spool = "/var/lib/scanscope/clickhouse-spool"; /**< --clickhouse-spool */
  unsigned spool_mb = 256;        /**< --clickhouse-spool-mb */
  double timeout = 10;            /**< --clickhouse-timeout: seconds per INSERT */
  double flush = 10;              /**< --clickhouse-flush: seconds to deliver at the end */

  clickhouse_url url;             /**< parsed --clickhouse */
};

/** The "Fleet store" option group, writing into `s`. */
boost::program_options::options_description fleet_options(fleet_settings& s);

/**
 * Parse the URL, fill in the sensor name and check the values.
 * @return empty, or {option name, message}
 */
std::pair<std::string, std::string> check_fleet(fleet_settings& s);

}  // namespace scanscope
