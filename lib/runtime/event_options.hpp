#pragma once
/**
 * @file
 * Options of the event log (docs/events.md): the file, and how many lines a second it takes.
 */

#include <cstdint>
#include <string>
#include <utility>

namespace boost::program_options {
class options_description;
}

namespace scanscope {

struct event_options {
  std::string path;    /**< --events: JSON lines appended here ("" or "none": no log) */
  std::string syslog;  /**< --events-syslog: a socket path or HOST:PORT ("" or "none": no) */
  std::string syslog_facility = "local0"; /**< --events-syslog-facility */
  uint32_t rate = 100; /**< --events-rate: most lines a second */
  uint32_t alert_slots = 4096; /**< alerts each RX lcore's ring holds for the log's thread */

  bool to_file() const { return !path.empty() && path != "none"; }
  bool to_syslog() const { return !syslog.empty() && syslog != "none"; }
  bool enabled() const { return to_file() || to_syslog(); }
};

/** The "Events" option group, writing into `e`. */
boost::program_options::options_description event_log_options(event_options& e);

/** Check the values. @return empty, or {option name, message} */
std::pair<std::string, std::string> check_events(const event_options& e);

}  // namespace scanscope
