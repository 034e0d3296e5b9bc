#include "runtime/syslog_sink.hpp"

#include <netdb.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <utility>

namespace scanscope {

namespace {

/** RFC 5424's numeric codes (section 6.2.1). */
constexpr int severity_warning = 4;
constexpr int severity_notice = 5;

std::string field_text(const std::string& line, const char* key) {
  const std::string open = std::string("\"") + key + "\":\"";
  const size_t at = line.find(open);
  if (at == std::string::npos) {
    return {};
  }
  const size_t from = at + open.size();
  const size_t to = line.find('"', from);
  return to == std::string::npos ? std::string() : line.substr(from, to - from);
}

/** An RFC 5424 header field: printable US-ASCII without spaces, at most `max` long, "-" if
 *  empty. */
std::string header_field(const std::string& text, size_t max) {
  std::string out;
  for (char c : text) {
    if (c > 32 && c < 127 && out.size() < max) {
      out += c;
    }
  }
  return out.empty() ? "-" : out;
}

}  // namespace

int syslog_facility(const std::string& name) {
  static const std::pair<const char*, int> named[] = {
      {"kern", 0},    {"user", 1},    {"daemon", 3},  {"auth", 4},    {"syslog", 5},
      {"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19}, {"local4", 20},
      {"local5", 21}, {"local6", 22}, {"local7", 23}};
  for (const auto& [n, code] : named) {
    if (name == n) {
      return code;
    }
  }
  return -1;
}

int syslog_severity(const std::string& line) {
  const std::string type = field_text(line, "event_type");
  if (type == "exposure") {
    return severity_warning;
  }
  if (type == "alert") {
    const std::string key = "\"severity\":";
    const size_t at = line.find(key);
    const size_t value = at + key.size();
    if (at != std::string::npos && value + 1 < line.size() && line[value] == '1' &&
        (line[value + 1] < '0' || line[value + 1] > '9')) {
      return severity_warning;
    }
  }
  return severity_notice;
}

std::string rfc5424_message(int facility, const std::string& host, long pid, uint64_t unix_ns,
                            const std::string& line) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ns / 1000000000ULL);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char stamp[48];
  const size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof stamp - n, ".%06uZ",
                static_cast<unsigned>((unix_ns / 1000ULL) % 1000000ULL));
  std::string body = line;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) {
    body.pop_back();
  }
  const int pri = facility * 8 + syslog_severity(body);
  // No structured data ("-"): the event is the message, as JSON.
  return "<" + std::to_string(pri) + ">1 " + stamp + " " + header_field(host, 255) +
         " scanscope " + std::to_string(pid) + " " +
         header_field(field_text(body, "event_type"), 32) + " - " + body;
}

syslog_sink::syslog_sink(std::string target, int facility)
    : target_(std::move(target)), facility_(facility), pid_(static_cast<long>(::getpid())) {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) {
    host_ = name;
  }
}

syslog_sink::~syslog_sink() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::unique_ptr<syslog_sink> syslog_sink::open(const std::string& target, int facility,
                                               std::string& error) {
  std::unique_ptr<syslog_sink> s(new syslog_sink(target, facility));
  if (!target.empty() && target[0] == '/') {
    sockaddr_un un{};
    if (target.size() >= sizeof un.sun_path) {
      error = "events-syslog: socket path too long: " + target;
      return nullptr;
    }
    un.sun_family = AF_UNIX;
    std::memcpy(un.sun_path, target.data(), target.size());
    std::memcpy(&s->peer_, &un, sizeof un);
    s->peer_length_ = sizeof un;
    s->fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    s->local_ = true;
  } else {
    const size_t colon = target.rfind(':');
    std::string host = colon == std::string::npos ? "" : target.substr(0, colon);
    const std::string port = colon == std::string::npos ? "" : target.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host.empty() || port.empty()) {
      error = "events-syslog: '" + target + "' is neither a socket path nor HOST:PORT";
      return nullptr;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      error = "events-syslog: " + target + ": " + ::gai_strerror(rc);
      return nullptr;
    }
    std::memcpy(&s->peer_, found->ai_addr, found->ai_addrlen);
    s->peer_length_ = found->ai_addrlen;
    s->fd_ = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ::freeaddrinfo(found);
  }
  if (s->fd_ < 0) {
    error = "events-syslog: " + target + ": " + std::strerror(errno);
    return nullptr;
  }
  // A syslog daemon that stops reading holds the event thread a second (then see send()).
  timeval wait{1, 0};
  ::setsockopt(s->fd_, SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof wait);
  if (::connect(s->fd_, reinterpret_cast<const sockaddr*>(&s->peer_), s->peer_length_) != 0) {
    error = "events-syslog: cannot reach " + target + ": " + std::strerror(errno);
    return nullptr;
  }
  return s;
}

bool syslog_sink::send(const std::string& line) {
  const uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  const std::string message = rfc5424_message(facility_, host_, pid_, now, line);
  // After a send that waited its whole second, the next ones for a while do not wait: a daemon
  // that stopped reading costs the event thread one second per stall, not one per line.
  const int flags = MSG_NOSIGNAL | (now < stalled_until_ns_ ? MSG_DONTWAIT : 0);
  const auto sent = [&] {
    return ::send(fd_, message.data(), message.size(), flags) ==
           static_cast<ssize_t>(message.size());
  };
  if (sent()) {
    return true;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    if ((flags & MSG_DONTWAIT) == 0) {
      stalled_until_ns_ = now + stall_pause_ns;
    }
    return false;
  }
  // UDP: a refusal reports an earlier datagram the collector's host turned away; this one is
  // counted as not sent too, so a collector that is down never counts as reached.
  if (!local_ || (errno != ECONNREFUSED && errno != ENOTCONN && errno != ENOENT)) {
    return false;
  }
  // A restarted daemon made its socket anew: connect to it again, once.
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&peer_), peer_length_) != 0) {
    return false;
  }
  return sent();
}

}  // namespace scanscope
