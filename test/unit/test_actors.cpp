#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "geo/actor_list.hpp"

using namespace scanscope;

namespace {

std::array<uint8_t, 16> address(const char* text) {
  prefix_set one;
  REQUIRE(one.add(text).empty());
  std::array<uint8_t, 16> a{};
  std::copy(one.prefixes()[0].bytes, one.prefixes()[0].bytes + 16, a.begin());
  return a;
}

}  // namespace

TEST_CASE("an actor list matches prefixes and AS numbers", "[actors]") {
  std::string error;
  const auto list = actor_list::parse(
      "# comment\n"
      "censys   research prefix 162.142.125.0/24,2602:80d:1000::/44\n"
      "censys   research as 398324\n"
      "\n"
      "uni-lab  research prefix 141.22.28.227   # one host\n",
      "actors.conf", error);
  REQUIRE(list);
  REQUIRE(list->actors().size() == 2);
  CHECK(list->match(address("162.142.125.7").data(), 0) == 1);
  CHECK(list->match(address("2602:80d:1000::5").data(), 0) == 1);
  CHECK(list->match(address("8.8.8.8").data(), 398324) == 1);
  CHECK(list->match(address("141.22.28.227").data(), 0) == 2);
  CHECK(list->match(address("141.22.28.228").data(), 0) == 0);
  CHECK(std::string(list->name_of(2)) == "uni-lab");
  CHECK(std::string(list->name_of(0)) == "none");
  CHECK(list->prefix_count() == 3);
  CHECK(list->as_count() == 1);
}

TEST_CASE("actor files with mistakes are refused with file and line", "[actors]") {
  std::string error;
  CHECK_FALSE(actor_list::parse("a research prefix 10.0.0.1/8\n", "f", error));
  CHECK_THAT(error, Catch::StartsWith("f:1: ") && Catch::Contains("host bits"));
  CHECK_FALSE(actor_list::parse("\na research subnet 10.0.0.0/8\n", "f", error));
  CHECK_THAT(error, Catch::StartsWith("f:2: ") && Catch::Contains("'prefix' or 'as'"));
  CHECK_FALSE(actor_list::parse("a research as 12x\n", "f", error));
  CHECK_THAT(error, Catch::Contains("not an AS number"));
  CHECK_FALSE(actor_list::parse("a research as 5\nb research as 5\n", "f", error));
  CHECK_THAT(error, Catch::StartsWith("f:2: ") && Catch::Contains("already belongs to 'a'"));
  CHECK_FALSE(actor_list::parse("a research as 5\na commercial as 6\n", "f", error));
  CHECK_THAT(error, Catch::Contains("kind 'research' before"));
  CHECK_FALSE(actor_list::parse("Big research as 5\n", "f", error));
  CHECK_FALSE(actor_list::parse("a research prefix\n", "f", error));
  std::string many;
  for (int i = 0; i <= 31; ++i) {
    many += "a" + std::to_string(i) + " research as " + std::to_string(i + 1) + "\n";
  }
  CHECK_FALSE(actor_list::parse(many, "f", error));
  CHECK_THAT(error, Catch::StartsWith("f:32: ") && Catch::Contains("more than 31"));
}

TEST_CASE("a reloaded list keeps its actors' slots and retires the missing", "[actors]") {
  std::string error;
  const auto before =
      actor_list::parse("a research as 1\nb research as 2\n", "old", error);
  REQUIRE(before);
  const auto after = actor_list::parse("c research as 3\nb research as 2\n", "new", error,
                                       &*before);
  REQUIRE(after);
  REQUIRE(after->actors().size() == 3);
  CHECK(after->actors()[0].name == "a");
  CHECK(after->actors()[0].retired);
  CHECK(after->match(address("8.8.8.8").data(), 1) == 0);  // retired: matches nothing
  CHECK(after->match(address("8.8.8.8").data(), 2) == 2);  // b kept slot 2
  CHECK(after->match(address("8.8.8.8").data(), 3) == 3);  // c is new
}

TEST_CASE("an address's actor is the first in the file whose prefix holds it", "[actors]") {
  // Overlaps across actors (a /16 before a /24 inside it, a /24 before a /28 inside it), edges
  // at 0.0.0.0 and 255.255.255.255, an IPv6 prefix, and ::/0 last: everything left is its.
  const char* const lines[] = {
      "wide     research prefix 10.1.0.0/16,0.0.0.0/30\n",
      "narrow   research prefix 10.1.2.0/24,192.0.2.0/24,255.255.255.254/31\n",
      "inner    research prefix 192.0.2.16/28,2001:db8::/32\n",
      "hosts    research prefix 198.51.100.7,198.51.100.9,10.1.2.3\n",
      "catchall research prefix ::/0\n",
  };
  std::string text, error;
  std::vector<prefix_set> per_actor;
  for (const char* line : lines) {
    text += line;
    per_actor.emplace_back();
    const std::string list(std::strstr(line, "prefix ") + 7);
    REQUIRE(per_actor.back().add_list(list.substr(0, list.size() - 1)).empty());
  }
  const auto list = actor_list::parse(text, "actors.conf", error);
  REQUIRE(list);
  // The definition: the first actor whose prefixes hold the address.
  auto expected = [&](const uint8_t* a) -> uint8_t {
    for (size_t i = 0; i < per_actor.size(); ++i) {
      if (per_actor[i].contains(a)) {
        return static_cast<uint8_t>(i + 1);
      }
    }
    return 0;
  };
  std::vector<std::array<uint8_t, 16>> probes;
  for (const char* a :
       {"0.0.0.0",      "0.0.0.3",         "0.0.0.4",         "10.0.255.255",    "10.1.0.0",
        "10.1.2.0",     "10.1.2.3",        "10.1.2.255",      "10.1.3.0",        "10.2.0.0",
        "192.0.2.15",   "192.0.2.16",      "192.0.2.31",      "192.0.2.32",      "198.51.100.7",
        "198.51.100.8", "255.255.255.253", "255.255.255.254", "255.255.255.255", "2001:db8::1",
        "2001:db9::1"}) {
    probes.push_back(address(a));
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    // Around the listed networks and anywhere.
    const uint32_t bases[] = {0x0A010000, 0xC0000200, 0xC6336400, 0, 0xFFFFFF00};
    const uint32_t v4 = i % 2 ? rng() : bases[rng() % 5] + (rng() % 512);
    std::array<uint8_t, 16> a = address("0.0.0.0");
    for (int b = 0; b < 4; ++b) {
      a[12 + b] = static_cast<uint8_t>(v4 >> (24 - 8 * b));
    }
    probes.push_back(a);
  }
  for (const auto& a : probes) {
    INFO(format_address(a.data()));
    CHECK(list->match(a.data(), 0) == expected(a.data()));
  }
  CHECK(list->match(address("0.0.0.2").data(), 0) == 1);
  CHECK(list->match(address("10.1.2.3").data(), 0) == 1);    // wide's /16 comes first
  CHECK(list->match(address("192.0.2.20").data(), 0) == 2);  // narrow's /24 before inner
  CHECK(list->match(address("198.51.100.9").data(), 0) == 4);
  CHECK(list->match(address("2001:db8::1").data(), 0) == 3);
  CHECK(list->match(address("203.0.113.1").data(), 0) == 5);  // ::/0 holds the rest
}
