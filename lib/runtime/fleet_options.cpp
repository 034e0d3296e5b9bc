#include "runtime/fleet_options.hpp"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <cctype>

namespace po = boost::program_options;

namespace scanscope {

po::options_description fleet_options(fleet_settings& s) {
  po::options_description d("Fleet store (ClickHouse)");
  d.add_options()(
      "clickhouse", po::value(&s.clickhouse)->value_name("URL"),
      "send each closed bucket (its series, one row per (port, source), and the campaigns) to "
      "ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123/?database=scanscope; tables "
      "from config/clickhouse/schema.sql")(
      "sensor", po::value(&s.sensor)->value_name("NAME"),
      "this sensor's name in the fleet store (letters, digits, '.', '-', '_'; default: the "
      "host name)")(
      "clickhouse-spool", po::value(&s.spool)->default_value(s.spool)->value_name("DIR"),
      "buckets ClickHouse has not taken wait here, and are delivered in order when it is back "
      "(also after a restart)")(
      "clickhouse-spool-mb",
      po::value(&s.spool_mb)->default_value(s.spool_mb)->value_name("MB"),
      "most the spool may hold; a full spool drops its oldest buckets, and counts them")(
      "clickhouse-timeout", po::value(&s.timeout)->default_value(s.timeout)->value_name("SECONDS"),
      "longest one INSERT may take, connection included")(
      "clickhouse-flush", po::value(&s.flush)->default_value(s.flush)->value_name("SECONDS"),
      "at the end of a run, how long to go on delivering before the rest is left in the spool");
  return d;
}

std::pair<std::string, std::string> check_fleet(fleet_settings& s) {
  if (s.sensor.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) {
      s.sensor = host;
    }
    if (s.sensor.empty()) {
      s.sensor = "sensor";
    }
  }
  for (char c : s.sensor) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return {"sensor", "option 'sensor': '" + s.sensor +
                            "' has a character other than letters, digits, '.', '-', '_'"};
    }
  }
  if (s.sensor.size() > 64) {
    return {"sensor", "option 'sensor': longer than 64 characters"};
  }
  if (s.clickhouse.empty() || s.clickhouse == "none") {
    s.clickhouse.clear();
    return {};
  }
  if (const std::string error = parse_clickhouse_url(s.clickhouse, s.url); !error.empty()) {
    return {"clickhouse", "option 'clickhouse': " + error};
  }
  if (s.spool.empty()) {
    return {"clickhouse-spool", "option 'clickhouse-spool': a folder is needed"};
  }
  if (s.spool_mb == 0) {
    return {"clickhouse-spool-mb", "option 'clickhouse-spool-mb': must be at least 1"};
  }
  if (!(s.timeout > 0 && s.timeout <= 600)) {
    return {"clickhouse-timeout", "option 'clickhouse-timeout': must be in (0, 600]"};
  }
  if (!(s.flush >= 0 && s.flush <= 3600)) {
    return {"clickhouse-flush", "option 'clickhouse-flush': must be in [0, 3600]"};
  }
  return {};
}

}  // namespace scanscope
