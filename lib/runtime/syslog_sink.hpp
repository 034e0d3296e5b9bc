#pragma once
/**
 * @file
 * Events to syslog (--events-syslog, docs/events.md): each event line as one RFC 5424 message,
 * `<PRI>1 TIMESTAMP HOSTNAME scanscope PROCID EVENT_TYPE - JSON`, over a Unix datagram socket
 * (/dev/log, rsyslog's imuxsock) or UDP (imudp, a remote collector).
 */

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>

namespace scanscope {

/** A facility by its name (kern, user, daemon, auth, syslog, local0 to local7); -1 if none. */
int syslog_facility(const std::string& name);

/**
 * The syslog severity of an event line: warning for an alert of a harmful category (EVE
 * severity 1) and for an exposure, notice for the other alerts and for campaign events.
 */
int syslog_severity(const std::string& event_line);

/**
 * One RFC 5424 message: `line` (one JSON object, its newline dropped) with the event's type
 * as MSGID, the time of sending as TIMESTAMP (UTC, microseconds).
 */
std::string rfc5424_message(int facility, const std::string& host, long pid, uint64_t unix_ns,
                            const std::string& line);

class syslog_sink {
 public:
  /**
   * @param target an absolute path (a Unix datagram socket) or HOST:PORT ([ADDR]:PORT for
   *        IPv6), UDP
   * @return null with `error` naming the target when it cannot be reached
   */
  static std::unique_ptr<syslog_sink> open(const std::string& target, int facility,
                                           std::string& error);
  ~syslog_sink();
  syslog_sink(const syslog_sink&) = delete;
  syslog_sink& operator=(const syslog_sink&) = delete;

  /** Send one event line; false when the socket refused it (a full queue past 1 s, and for
   *  10 s after that any full queue at once; no listener). */
  bool send(const std::string& line);
  const std::string& target() const { return target_; }

 private:
  syslog_sink(std::string target, int facility);

  std::string target_;
  int facility_;
  int fd_ = -1;
  sockaddr_storage peer_{};
  socklen_t peer_length_ = 0;
  bool local_ = false;             // a Unix socket (else UDP)
  uint64_t stalled_until_ns_ = 0;  // sends do not wait before this (system clock)
  std::string host_;
  long pid_;
  static constexpr uint64_t stall_pause_ns = 10000000000ULL;
};

}  // namespace scanscope
