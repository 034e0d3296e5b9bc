#include <catch2/catch.hpp>
#include <cstring>

#include "fingerprint/scan_tool.hpp"
#include "packet/parser.hpp"
#include "scenario/payload_template.hpp"
#include "scenario/scenario.hpp"
#include "scenario/synthetic_packet.hpp"

using namespace scanscope;

namespace {

/** One's-complement sum of 16-bit words: a correct header sums to 0xFFFF. */
uint32_t ones_sum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) {
    sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  }
  if (n & 1) {
    sum += static_cast<uint32_t>(p[n - 1] << 8);
  }
  while (sum >> 16) {
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return sum;
}

const char* const header =
    "[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n";

}  // namespace

TEST_CASE("scenario times are UTC, seconds and Z optional, impossible dates refused",
          "[scenario]") {
  CHECK(parse_utc_time("2018-12-03T20:00:00Z") == 1543867200);
  CHECK(parse_utc_time("2018-12-03T20:00Z") == 1543867200);
  CHECK(parse_utc_time("2018-12-03T20:00") == 1543867200);
  CHECK_FALSE(parse_utc_time("2018-02-31T00:00Z"));
  CHECK_FALSE(parse_utc_time("2018-12-03"));
  CHECK_FALSE(parse_utc_time("2018-12-03T24:00Z"));
  CHECK_FALSE(parse_utc_time("2018-12-03T20:00:00Zjunk"));
}

TEST_CASE("campaigns take their tool's defaults and share source pools", "[scenario]") {
  const std::string text = std::string(header) +
                           "[campaign m]\nports = 8545, 22\ntool = masscan\ncountries = RU 1\n"
                           "[campaign z]\nports = 8545\ntool = zmap\nwindow = 1234\n"
                           "sources-from = m\nprofile = 2018-12-01T05:00Z x3 ramp\n";
  std::string error;
  const auto s = scenario::parse(text, "t.scn", error);
  INFO(error);
  REQUIRE(s);
  REQUIRE(s->campaigns.size() == 2);
  const campaign& m = s->campaigns[0];
  CHECK(m.window == 1024);
  CHECK(m.initial_ttl == 255);
  CHECK(m.sport == port_choice::fixed);
  CHECK(m.options == option_layout::none);
  CHECK(m.ports == std::vector<uint16_t>{8545, 22});
  CHECK(m.start == s->start);
  CHECK(m.end == s->end);
  const campaign& z = s->campaigns[1];
  CHECK(z.window == 1234);
  CHECK(z.sport == port_choice::random);
  CHECK(z.sources_from == "m");
  REQUIRE(z.profile.size() == 1);
  CHECK(z.profile[0].ramp);
  CHECK(z.profile[0].factor == 3);
}

TEST_CASE("generated frames carry what the generator intends, checksums right", "[scenario]") {
  const payload_template* payload = find_payload_template("eth_accounts");
  REQUIRE(payload != nullptr);
  for (option_layout layout :
       {option_layout::none, option_layout::mss, option_layout::linux, option_layout::windows}) {
    synthetic_packet p;
    p.time_ns = 1543867200123456789ULL;
    p.src = 0x5DB80102;  // 93.184.1.2
    p.dst = 0xC6120007;  // 198.18.0.7
    p.src_port = 40000;
    p.dst_port = 8545;
    p.seq = 0x01020304;
    p.ack = 0x0A0B0C0D;
    p.ip_id = 777;
    p.window = 29200;
    p.ttl = 51;
    p.tcp_flags = tcp_flag::ack | tcp_flag::psh;
    p.dont_fragment = true;
    p.options = layout;
    p.payload = payload;
    std::vector<uint8_t> frame;
    write_frame(p, frame);

    const uint8_t* ip = frame.data() + 14;
    CHECK(ones_sum(ip, 20) == 0xFFFF);
    const size_t tcp_length = frame.size() - 34;
    uint8_t pseudo[12];
    std::memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pseudo[10] = static_cast<uint8_t>(tcp_length >> 8);
    pseudo[11] = static_cast<uint8_t>(tcp_length);
    CHECK(ones_sum(frame.data() + 34, tcp_length, ones_sum(pseudo, 12)) == 0xFFFF);

    decoded_packet parsed;
    REQUIRE(parse_frame(frame.data(), frame.size(), parsed) == parse_result::ok);
    const decoded_packet meant = intended_headers(p);
    CHECK(parsed.src_v4 == meant.src_v4);
    CHECK(parsed.dst_v4 == meant.dst_v4);
    CHECK(parsed.ttl == meant.ttl);
    CHECK(parsed.ip_id == meant.ip_id);
    CHECK(parsed.dont_fragment == meant.dont_fragment);
    CHECK(parsed.window == meant.window);
    CHECK(parsed.seq == meant.seq);
    CHECK(parsed.ack == meant.ack);
    CHECK(parsed.tcp_flags == meant.tcp_flags);
    CHECK(parsed.payload_length == payload->bytes.size());
    CHECK(parsed.options.count == meant.options.count);
    CHECK(std::memcmp(parsed.options.kinds, meant.options.kinds, meant.options.count) == 0);
    CHECK(parsed.options.has_mss == meant.options.has_mss);
    CHECK(parsed.options.has_window_scale == meant.options.has_window_scale);
    CHECK(parsed.options.window_scale == meant.options.window_scale);
    CHECK(identify_tool(parsed) == identify_tool(meant));
  }
}
