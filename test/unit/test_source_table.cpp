#include <catch2/catch.hpp>
#include <cstring>

#include "source/source_table.hpp"

using namespace scanscope;

namespace {

source_key key_of(uint32_t v4) {
  uint8_t a[4] = {static_cast<uint8_t>(v4 >> 24), static_cast<uint8_t>(v4 >> 16),
                  static_cast<uint8_t>(v4 >> 8), static_cast<uint8_t>(v4)};
  return make_source_key(a, false);
}

std::unique_ptr<source_table> make_table(const char* name, uint32_t capacity,
                                         uint64_t idle_ns = 1000000000ULL) {
  std::string error;
  auto t = source_table::create(name, "sources", capacity, idle_ns, error);
  REQUIRE(t);
  return t;
}

}  // namespace

TEST_CASE("a flood of distinct sources stays within capacity and counts evictions",
          "[source_table]") {
  auto t = make_table("flood", 4096);
  bool is_new = false;
  // A few sources that keep coming back, among 200k one-packet spoofed sources.
  const uint32_t regulars[] = {0x0A000001, 0x0A000002, 0x0A000003};
  for (uint32_t r : regulars) {
    t->touch(key_of(r), 1, is_new, forget_source);
  }
  // Each spoofed address is distinct and never seen again: every touch of one inserts it.
  uint32_t inserted_as_new = 0;
  for (uint32_t i = 0; i < 200000; ++i) {
    t->touch(key_of(0xC0000000 + i), 2, is_new, forget_source);
    inserted_as_new += is_new ? 1 : 0;
    if (i % 512 == 0) {
      for (uint32_t r : regulars) {
        t->touch(key_of(r), 2, is_new, forget_source);
        REQUIRE_FALSE(is_new);  // the second chance keeps sources that come back
      }
    }
  }
  CHECK(inserted_as_new == 200000);
  const table_counters& c = t->counters();
  CHECK(c.live.read() <= t->capacity());
  CHECK(c.inserted.read() == 200000 + 3);
  CHECK(c.evicted.read() == c.inserted.read() - c.live.read());
  size_t visited = 0;
  t->for_each([&](const source_state&) { ++visited; });
  CHECK(visited == c.live.read());
}

TEST_CASE("sources keep their state and age out when idle", "[source_table]") {
  const uint64_t second = 1000000000ULL;
  auto t = make_table("aging", 64, 10 * second);
  bool is_new = false;
  source_state& s = t->touch(key_of(0x01020304), 5 * second, is_new, forget_source);
  CHECK(is_new);
  s.packets = 7;
  source_state& again = t->touch(key_of(0x01020304), 6 * second, is_new, forget_source);
  CHECK_FALSE(is_new);
  CHECK(again.packets == 7);
  CHECK(again.last_seen_ns == 5 * second);  // the table stamps the insert time
  t->touch(key_of(0x05060708), 20 * second, is_new, forget_source).last_seen_ns = 20 * second;
  again.last_seen_ns = 6 * second;
  t->expire(20 * second, 64, forget_source);  // a full sweep: the first source has been idle 14 s
  CHECK(t->counters().expired.read() == 1);
  CHECK(t->counters().live.read() == 1);
  t->touch(key_of(0x01020304), 21 * second, is_new, forget_source);
  CHECK(is_new);
}

TEST_CASE("bulk lookup finds what touch added", "[source_table]") {
  auto t = make_table("bulk", 128);
  bool is_new = false;
  for (uint32_t i = 0; i < 10; ++i) {
    t->touch(key_of(i), 1, is_new, forget_source);
  }
  source_key keys[20];
  const source_key* ptrs[20];
  for (uint32_t i = 0; i < 20; ++i) {
    keys[i] = key_of(i);
    ptrs[i] = &keys[i];
  }
  int32_t positions[20];
  t->lookup_bulk(ptrs, 20, positions);
  for (uint32_t i = 0; i < 20; ++i) {
    INFO(i);
    if (i < 10) {
      REQUIRE(positions[i] >= 0);
      CHECK(std::memcmp(t->found(positions[i]).key.bytes, keys[i].bytes, 16) == 0);
    } else {
      CHECK(positions[i] < 0);
    }
  }
}

TEST_CASE("source-port behaviour is decided by the second probe", "[source_table]") {
  source_state s{};
  observe_source_port(s, 40000, 80, 111);
  CHECK(s.src_port_behaviour() == source_port_behaviour::unknown);
  observe_source_port(s, 40000, 80, 111);  // retransmission: same port, same sequence
  CHECK(s.src_port_behaviour() == source_port_behaviour::unknown);
  observe_source_port(s, 40000, 443, 111);
  CHECK(s.src_port_behaviour() == source_port_behaviour::fixed);
  observe_source_port(s, 51000, 22, 5);  // decided once
  CHECK(s.src_port_behaviour() == source_port_behaviour::fixed);

  source_state r{};
  observe_source_port(r, 54747, 8545, 9);
  observe_source_port(r, 54748, 8545, 9);
  CHECK(r.src_port_behaviour() == source_port_behaviour::random);

  distinct_sketch d;
  for (uint64_t i = 0; i < 20; ++i) {
    d.add(i * 0x9E3779B97F4A7C15ULL >> 7);
  }
  CHECK(d.estimate() > 12);
  CHECK(d.estimate() < 30);
}
