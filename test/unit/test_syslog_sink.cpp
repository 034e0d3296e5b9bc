// Events to syslog: RFC 5424's header (RFC 5424 section 6), the severity of each event type,
// and the messages as a Unix datagram socket and a UDP socket receive them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>

#include "runtime/syslog_sink.hpp"

using namespace scanscope;

namespace {

const std::string alert_line =
    "{\"timestamp\":\"2018-01-08T06:00:33.623830+0000\",\"event_type\":\"alert\",\"src_ip\":"
    "\"203.0.113.9\",\"alert\":{\"category\":\"exploit\",\"severity\":1}}\n";

/** What a datagram socket received within a second; empty if nothing. */
std::string receive(int fd) {
  timeval wait{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  char buf[4096];
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

TEST_CASE("facilities by name, and nothing else") {
  CHECK(syslog_facility("local0") == 16);
  CHECK(syslog_facility("local7") == 23);
  CHECK(syslog_facility("daemon") == 3);
  CHECK(syslog_facility("auth") == 4);
  CHECK(syslog_facility("local8") == -1);
  CHECK(syslog_facility("") == -1);
}

TEST_CASE("severity: warning for harm and exposures, notice for the rest") {
  CHECK(syslog_severity(alert_line) == 4);
  CHECK(syslog_severity("{\"event_type\":\"alert\",\"alert\":{\"severity\":3}}") == 5);
  CHECK(syslog_severity("{\"event_type\":\"alert\",\"alert\":{\"severity\":12}}") == 5);
  CHECK(syslog_severity("{\"event_type\":\"exposure\"}") == 4);
  CHECK(syslog_severity("{\"event_type\":\"campaign\",\"action\":\"start\"}") == 5);
}

TEST_CASE("an RFC 5424 message: PRI, version, UTC time, host, app, pid, MSGID, no SD") {
  // local0 (16) * 8 + warning (4) = 132; 2026-12-06T15:00:00.000250Z.
  const std::string m = rfc5424_message(16, "sensor one", 4242, 1796569200000250000ULL,
                                        alert_line);
  const std::string json = alert_line.substr(0, alert_line.size() - 1);
  CHECK(m == "<132>1 2026-12-06T15:00:00.000250Z sensorone scanscope 4242 alert - " + json);
  // No host: the nil value.
  CHECK(rfc5424_message(3, "", 1, 0, "{\"event_type\":\"campaign\"}") ==
        "<29>1 1970-01-01T00:00:00.000000Z - scanscope 1 campaign - {\"event_type\":\"campaign\"}");
}

TEST_CASE("a Unix datagram socket receives each line as one message") {
  char folder[] = "/tmp/scanscope-syslog-XXXXXX";
  REQUIRE(mkdtemp(folder));
  const std::string path = std::string(folder) + "/log.sock";
  const int server = socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strcpy(un.sun_path, path.c_str());
  REQUIRE(bind(server, reinterpret_cast<sockaddr*>(&un), sizeof un) == 0);
  std::string error;
  auto sink = syslog_sink::open(path, 16, error);
  REQUIRE(sink);
  CHECK(sink->send(alert_line));
  const std::string got = receive(server);
  CHECK(got.rfind("<132>1 ", 0) == 0);
  CHECK(got.find(" scanscope " + std::to_string(getpid()) + " alert - {") != std::string::npos);
  CHECK(got.back() == '}');
  // A daemon that stops reading: once its queue is full a send waits a second and fails, and
  // for a while after that sends fail at once instead of waiting again.
  int taken = 0;
  while (sink->send(alert_line) && taken < 100000) {
    ++taken;
  }
  CHECK(taken > 0);
  const auto before = std::chrono::steady_clock::now();
  CHECK_FALSE(sink->send(alert_line));
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::milliseconds(500));
  close(server);
  // The daemon gone: the message is refused (counted by the caller), not blocking.
  std::filesystem::remove(path);
  CHECK_FALSE(sink->send(alert_line));
  std::filesystem::remove_all(folder);
}

TEST_CASE("UDP to HOST:PORT, and targets that cannot be used") {
  const int server = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(server, reinterpret_cast<sockaddr*>(&in), sizeof in) == 0);
  socklen_t length = sizeof in;
  getsockname(server, reinterpret_cast<sockaddr*>(&in), &length);
  std::string error;
  auto sink = syslog_sink::open("127.0.0.1:" + std::to_string(ntohs(in.sin_port)), 1, error);
  REQUIRE(sink);
  CHECK(sink->send("{\"event_type\":\"lead_change\"}\n"));
  CHECK(receive(server).rfind("<13>1 ", 0) == 0);  // user (1) * 8 + notice (5)
  close(server);

  CHECK_FALSE(syslog_sink::open("localhost", 16, error));
  CHECK(error.find("'localhost' is neither a socket path nor HOST:PORT") != std::string::npos);
  CHECK_FALSE(syslog_sink::open("/nonexistent-folder/log.sock", 16, error));
  CHECK(error.find("cannot reach /nonexistent-folder/log.sock") != std::string::npos);
  CHECK_FALSE(syslog_sink::open("[::1]:notaport", 16, error));
  CHECK(error.find("[::1]:notaport") != std::string::npos);
}
