#include <catch2/catch.hpp>

#include "packet/capture_link.hpp"

using namespace scanscope;

TEST_CASE("link types map to an Ethernet view", "[capture_link]") {
  CHECK(capture_link_from_dlt(1) == capture_link::ethernet);
  CHECK(capture_link_from_dlt(113) == capture_link::linux_sll);
  CHECK(capture_link_from_dlt(101) == capture_link::raw_ip);
  CHECK_FALSE(capture_link_from_dlt(105));  // 802.11

  const uint8_t ipv6_packet[] = {0x60, 0, 0, 0};
  auto v = make_ethernet_view(capture_link::raw_ip, ipv6_packet, sizeof ipv6_packet);
  REQUIRE(v);
  CHECK(v->prepend);
  CHECK(v->skip == 0);
  CHECK(v->header[12] == 0x86);
  CHECK(v->header[13] == 0xDD);

  uint8_t sll[16] = {};
  sll[14] = 0x08;
  v = make_ethernet_view(capture_link::linux_sll, sll, sizeof sll);
  REQUIRE(v);
  CHECK(v->skip == 16);
  CHECK(v->header[12] == 0x08);
  CHECK(v->header[13] == 0x00);
  CHECK_FALSE(make_ethernet_view(capture_link::linux_sll, sll, 15));

  const uint8_t bsd_inet_le[] = {2, 0, 0, 0};
  v = make_ethernet_view(capture_link::bsd_loopback, bsd_inet_le, 4);
  REQUIRE(v);
  CHECK(v->skip == 4);
  CHECK(v->header[12] == 0x08);

  v = make_ethernet_view(capture_link::ethernet, sll, sizeof sll);
  REQUIRE(v);
  CHECK_FALSE(v->prepend);
  CHECK(v->skip == 0);
}
