#include <catch2/catch.hpp>

#include "stats/watched_ports.hpp"

using namespace scanscope;

TEST_CASE("watched port lines parse or name what is wrong", "[watched_ports]") {
  std::string error;
  auto w = parse_watched_port("  8545/tcp ethereum-jsonrpc ", error);
  REQUIRE(w);
  CHECK(w->port == 8545);
  CHECK(w->proto == transport::tcp);
  CHECK(w->name == "ethereum-jsonrpc");

  w = parse_watched_port("53/udp\tdns", error);
  REQUIRE(w);
  CHECK(w->proto == transport::udp);

  CHECK_FALSE(parse_watched_port("8545 ethereum", error));
  CHECK(error.find("PORT/PROTO") != std::string::npos);
  CHECK_FALSE(parse_watched_port("70000/tcp big", error));
  CHECK(error.find("70000") != std::string::npos);
  CHECK_FALSE(parse_watched_port("0/tcp zero", error));
  CHECK_FALSE(parse_watched_port("80/sctp web", error));
  CHECK(error.find("sctp") != std::string::npos);
  CHECK_FALSE(parse_watched_port("80/tcp", error));
  CHECK(error.find("name") != std::string::npos);
  CHECK_FALSE(parse_watched_port("80/tcp web\"server", error));
}

TEST_CASE("watched ports map to counter indexes", "[watched_ports]") {
  std::string error;
  auto ports = watched_ports::build(default_watched_ports(), error);
  REQUIRE(ports);
  const uint16_t eth = ports->index(transport::tcp, 8545);
  REQUIRE(eth != watched_ports::other_index);
  CHECK(ports->at(eth).name == "ethereum-jsonrpc");
  CHECK(ports->index(transport::udp, 8545) == watched_ports::other_index);
  CHECK(ports->index(transport::tcp, 1) == watched_ports::other_index);
  CHECK(ports->at(ports->index(transport::udp, 53)).name == "dns");

  auto twice = default_watched_ports();
  twice.push_back(twice.front());
  CHECK_FALSE(watched_ports::build(twice, error));
  CHECK(error.find("8545/tcp") != std::string::npos);

  std::vector<watched_port> many;
  for (uint16_t p = 1; p <= watched_ports::max_ports + 1; ++p) {
    many.push_back({p, transport::tcp, "p"});
  }
  CHECK_FALSE(watched_ports::build(many, error));
}
