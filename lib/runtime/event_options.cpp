#include "runtime/event_options.hpp"

#include <boost/program_options.hpp>

#include "runtime/syslog_sink.hpp"

namespace po = boost::program_options;

namespace scanscope {

po::options_description event_log_options(event_options& e) {
  po::options_description d("Events for a SIEM");
  d.add_options()(
      "events", po::value(&e.path)->value_name("FILE"),
      "append events as JSON lines in Suricata EVE's field names (docs/events.md): alert (the "
      "first hit of a signature by a source on a port in a bucket, with the destination and "
      "the payload's start), exposure (a monitored host first answering on a port), campaign "
      "(start, end), lead_change, new_tool. SIGHUP reopens the "
      "file (config/logrotate/scanscope)")(
      "events-syslog", po::value(&e.syslog)->value_name("TARGET"),
      "send the same events to syslog, one RFC 5424 message each (MSGID the event type, the "
      "JSON line the message): TARGET a Unix datagram socket such as /dev/log, or HOST:PORT "
      "over UDP. Unset or 'none': no syslog")(
      "events-syslog-facility",
      po::value(&e.syslog_facility)->default_value(e.syslog_facility)->value_name("NAME"),
      "the messages' facility: local0 to local7, user, daemon, auth, syslog or kern")(
      "events-rate", po::value(&e.rate)->default_value(e.rate)->value_name("N"),
      "most event lines a second (a burst of as many); the rest are counted as dropped");
  return d;
}

std::pair<std::string, std::string> check_events(const event_options& e) {
  if (e.rate == 0 || e.rate > 1000000) {
    return {"events-rate", "option 'events-rate': must be 1 to 1000000"};
  }
  if (syslog_facility(e.syslog_facility) < 0) {
    return {"events-syslog-facility", "option 'events-syslog-facility': '" +
                                          e.syslog_facility +
                                          "' is not local0 to local7, user, daemon, auth, "
                                          "syslog or kern"};
  }
  return {};
}

}  // namespace scanscope
