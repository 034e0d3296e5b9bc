#include <catch2/catch.hpp>

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
