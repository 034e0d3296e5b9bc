#pragma once
// Shared by the payload signature tests: the default rules, a scanner over them, a TCP
// connection that feeds it segments, and an HTTP POST as JSON-RPC clients send it.

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "frame_builder.hpp"
#include "packet/parser.hpp"
#include "signature/signature_db.hpp"
#include "signature/signature_scanner.hpp"

namespace scanscope::test {

inline const std::string rules_path = SCANSCOPE_SOURCE_DIR "/config/signatures.rules";

inline const signature_db& default_db() {
  static std::unique_ptr<signature_db> db = [] {
    std::string error;
    auto d = signature_db::load(rules_path, "", error);
    INFO(error);
    REQUIRE(d);
    return d;
  }();
  return *db;
}

/** Names of the rules of `db` that hit when `s` scans one frame (which must parse), in order. */
inline std::vector<std::string> rule_hits(signature_scanner& s, const signature_db& db,
                                          const bytes& frame) {
  decoded_packet p;
  REQUIRE(parse_frame(frame.data(), frame.size(), p) == parse_result::ok);
  signature_hits hits;
  s.scan(p, frame.data(), 1000, hits);
  std::vector<std::string> names;
  for (unsigned i = 0; i < hits.count; ++i) {
    names.push_back(db.rules()[hits.rule[i]].name);
  }
  return names;
}

/** Scans TCP segments of one connection, or UDP datagrams, through a real scanner. */
class connection {
 public:
  connection(signature_scanner& s, uint16_t dst_port, bool tcp = true)
      : scanner_(s), dst_port_(dst_port), tcp_(tcp), src_port_(next_port_++) {}

  /** A new connection on the same addresses and ports (TCP): a SYN with initial sequence `isn`. */
  void reopen(uint32_t isn) {
    seq_ = isn;
    send("", tcp_flag::syn);
    seq_ = isn + 1;
  }

  /** Send again the last `payload.size()` bytes sent (a retransmission), with `flags`. */
  std::set<std::string> retransmit(const std::string& payload, uint8_t flags) {
    seq_ -= static_cast<uint32_t>(payload.size());
    return send(payload, flags);
  }

  /** Send one segment (or datagram); returns the names of the rules that hit. */
  std::set<std::string> send(const std::string& payload,
                             uint8_t flags = tcp_flag::psh | tcp_flag::ack) {
    const bytes data(payload.begin(), payload.end());
    bytes frame;
    ipv4_fields ip;
    if (tcp_) {
      tcp_fields t;
      t.src_port = src_port_;
      t.dst_port = dst_port_;
      t.seq = seq_;
      t.flags = flags;
      frame = ethernet(0x0800) + ipv4(ip, tcp(t, data));
      seq_ += static_cast<uint32_t>(data.size());
    } else {
      ip.proto = 17;
      frame = ethernet(0x0800) + ipv4(ip, udp(src_port_, dst_port_, data));
    }
    const std::vector<std::string> names = rule_hits(scanner_, default_db(), frame);
    return {names.begin(), names.end()};
  }

 private:
  signature_scanner& scanner_;
  uint16_t dst_port_;
  bool tcp_;
  uint16_t src_port_;
  uint32_t seq_ = 1000;
  static inline uint16_t next_port_ = 20000;
};

inline std::unique_ptr<signature_scanner> make_scanner(const std::string& name) {
  std::string error;
  auto s = signature_scanner::create(default_db(), name, 256, 60000000000ULL, 65536, error);
  INFO(error);
  REQUIRE(s);
  return s;
}

inline std::string http_post(const std::string& path, const std::string& body,
                      const std::string& extra_headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: 10.99.0.2:8545\r\n" + extra_headers +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

}  // namespace scanscope::test
