#include <arpa/inet.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "geo/location_db.hpp"

extern "C" {
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
}

using namespace scanscope;

namespace {

/** libloc's own lookup: the oracle the tables must agree with. */
class libloc_oracle {
 public:
  explicit libloc_oracle(const std::string& path) {
    file_ = std::fopen(path.c_str(), "r");
    REQUIRE(file_ != nullptr);
    REQUIRE(loc_new(&ctx_) == 0);
    REQUIRE(loc_database_new(ctx_, &db_, file_) == 0);
  }
  ~libloc_oracle() {
    loc_database_unref(db_);
    loc_unref(ctx_);
    std::fclose(file_);
  }

  /** Country code ("ZZ" when no network) and ASN of an address. */
  std::pair<std::string, uint32_t> lookup(const in6_addr& a) const {
    loc_network* n = nullptr;
    if (loc_database_lookup(db_, &a, &n) != 0 || n == nullptr) {
      return {"ZZ", 0};
    }
    const char* cc = loc_network_get_country_code(n);
    std::pair<std::string, uint32_t> r{cc && std::strlen(cc) == 2 ? cc : "ZZ",
                                       loc_network_get_asn(n)};
    loc_network_unref(n);
    return r;
  }

 private:
  FILE* file_ = nullptr;
  loc_ctx* ctx_ = nullptr;
  loc_database* db_ = nullptr;
};

in6_addr mapped_v4(uint32_t host_order) {
  in6_addr a{};
  a.s6_addr[10] = 0xFF;
  a.s6_addr[11] = 0xFF;
  const uint32_t n = htonl(host_order);
  std::memcpy(&a.s6_addr[12], &n, 4);
  return a;
}

const location_db& default_db() {
  static std::unique_ptr<location_db> db = [] {
    std::string error;
    const auto start = std::chrono::steady_clock::now();
    auto d = location_db::load("", error);
    INFO(error);
    REQUIRE(d);
    WARN("location database "
         << d->path() << ": " << d->networks_v4() << " IPv4 and " << d->networks_v6()
         << " IPv6 networks loaded in "
         << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
         << " s");
    return d;
  }();
  return *db;
}

}  // namespace

namespace {

/** `count` addresses from `draw` (which writes one and returns our lookup of it) looked up in
 *  libloc too: country and AS must agree. @return how many libloc places in a country */
template <typename Draw>
size_t agreeing_lookups(const location_db& db, int count, Draw draw) {
  libloc_oracle oracle(db.path());
  size_t known = 0;
  for (int i = 0; i < count; ++i) {
    in6_addr a{};
    const geo_result r = draw(a);
    const auto [cc, asn] = oracle.lookup(a);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a, text, sizeof text);
    INFO("address " << text);
    REQUIRE(std::string(db.country_code(r.country)) == cc);
    REQUIRE(r.asn == asn);
    known += cc != "ZZ";
  }
  return known;
}

}  // namespace

TEST_CASE("IPv4 lookups agree with libloc on a large random sample", "[geo]") {
  const location_db& db = default_db();
  std::mt19937 rng(20181203);
  const size_t known = agreeing_lookups(db, 200000, [&](in6_addr& a) {
    const uint32_t address = rng();
    a = mapped_v4(address);
    return db.lookup_v4(address);
  });
  CHECK(known > 100000);  // most of the IPv4 space is allocated somewhere
}

TEST_CASE("IPv6 lookups agree with libloc on a random sample of global unicast", "[geo]") {
  const location_db& db = default_db();
  std::mt19937_64 rng(20180203);
  const size_t known = agreeing_lookups(db, 50000, [&](in6_addr& a) {
    const uint64_t hi = rng();
    const uint64_t lo = rng();
    for (int b = 0; b < 8; ++b) {
      a.s6_addr[b] = static_cast<uint8_t>(hi >> (56 - 8 * b));
      a.s6_addr[8 + b] = static_cast<uint8_t>(lo >> (56 - 8 * b));
    }
    // Global unicast 2000::/3, and mostly the allocated 2001::/16 - 2c0f::/16 ranges.
    a.s6_addr[0] = static_cast<uint8_t>(0x20 + (a.s6_addr[0] % 0x0D));
    return db.lookup_v6(a.s6_addr);
  });
  CHECK(known > 500);
}

TEST_CASE("private and unrouted sources have the stated unknown code", "[geo]") {
  const location_db& db = default_db();
  for (uint32_t a : {0x0A000001u, 0xC0A80101u, 0x7F000001u, 0x00000000u, 0xFFFFFFFFu}) {
    CHECK(std::string(db.country_code(db.lookup_v4(a).country)) == "ZZ");
  }
  const uint8_t ula[16] = {0xfd, 0x12, 0x34};
  CHECK(std::string(db.country_code(db.lookup_v6(ula).country)) == "ZZ");
  CHECK(db.country_index("RU") != location_db::unknown_country);
  CHECK(db.country_index("QQ") == location_db::unknown_country);
}

TEST_CASE("an unreadable or foreign file is refused with its name", "[geo]") {
  std::string error;
  CHECK_FALSE(location_db::load("/nonexistent/location.db", error));
  CHECK(error.find("/nonexistent/location.db") != std::string::npos);
  CHECK_FALSE(location_db::load(SCANSCOPE_SOURCE_DIR "/config/clusters.conf", error));
  CHECK(error.find("neither a libloc nor a MaxMind location database") != std::string::npos);
}

TEST_CASE("a MaxMind-format database is read by walking its tree", "[geo]") {
  const std::string path = "/tmp/scanscope-test-" + std::to_string(::getpid()) + ".mmdb";
  const std::string make = "perl " SCANSCOPE_SOURCE_DIR "/test/data/make-test-mmdb.pl " + path;
  REQUIRE(std::system(make.c_str()) == 0);
  std::string error;
  auto db = location_db::load(path, error);
  std::remove(path.c_str());
  INFO(error);
  REQUIRE(db);
  CHECK(db->vendor() == "scanscope-test-country-asn");
  auto v4 = [&](const char* text) {
    in_addr a{};
    REQUIRE(inet_pton(AF_INET, text, &a) == 1);
    const geo_result r = db->lookup_v4(ntohl(a.s_addr));
    return std::make_pair(std::string(db->country_code(r.country)), r.asn);
  };
  auto v6 = [&](const char* text) {
    in6_addr a{};
    REQUIRE(inet_pton(AF_INET6, text, &a) == 1);
    const geo_result r = db->lookup_v6(a.s6_addr);
    return std::make_pair(std::string(db->country_code(r.country)), r.asn);
  };
  // What make-test-mmdb.pl wrote: nested networks, the more specific one winning.
  CHECK(v4("198.51.100.5") == std::make_pair(std::string("RU"), 64500u));
  CHECK(v4("198.51.100.127") == std::make_pair(std::string("RU"), 64500u));
  CHECK(v4("198.51.100.128") == std::make_pair(std::string("US"), 64501u));
  CHECK(v4("198.51.100.255") == std::make_pair(std::string("US"), 64501u));
  CHECK(v4("203.0.113.9") == std::make_pair(std::string("BG"), 64502u));
  CHECK(v4("192.0.2.1") == std::make_pair(std::string("NL"), 0u));  // registered country only
  CHECK(v4("192.0.2.200").first == "ZZ");
  CHECK(v4("8.8.8.8").first == "ZZ");
  CHECK(v6("2001:db8:1::5") == std::make_pair(std::string("JP"), 64503u));
  CHECK(v6("2001:db8:1:ffff:ffff:ffff:ffff:ffff").first == "JP");
  CHECK(v6("2001:db8:2::1").first == "ZZ");
}

TEST_CASE("a damaged MaxMind database is refused", "[geo]") {
  const std::string path = "/tmp/scanscope-bad-" + std::to_string(::getpid()) + ".mmdb";
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fputs("\xAB\xCD\xEFMaxMind.com garbage", f);
  std::fclose(f);
  std::string error;
  CHECK_FALSE(location_db::load(path, error));
  CHECK(error.find(path) != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("built tables are cached, read back, and rebuilt when stale or damaged", "[geo]") {
  const std::string stem = "/tmp/scanscope-cache-test-" + std::to_string(::getpid());
  const std::string path = stem + ".mmdb";
  const std::string dir = stem + "-cache";
  const std::string make = "perl " SCANSCOPE_SOURCE_DIR "/test/data/make-test-mmdb.pl " + path;
  REQUIRE(std::system(make.c_str()) == 0);
  REQUIRE(std::system(("mkdir -p " + dir).c_str()) == 0);
  std::string error;
  auto lookups = [](const location_db& db) {
    std::vector<std::pair<std::string, uint32_t>> out;
    for (const char* text :
         {"198.51.100.5", "198.51.100.128", "203.0.113.9", "192.0.2.1", "8.8.8.8"}) {
      in_addr a{};
      REQUIRE(inet_pton(AF_INET, text, &a) == 1);
      const geo_result r = db.lookup_v4(ntohl(a.s_addr));
      out.emplace_back(db.country_code(r.country), r.asn);
    }
    in6_addr a6{};
    REQUIRE(inet_pton(AF_INET6, "2001:db8:1::5", &a6) == 1);
    const geo_result r = db.lookup_v6(a6.s6_addr);
    out.emplace_back(db.country_code(r.country), r.asn);
    return out;
  };
  const auto built = location_db::load(path, error, nullptr, dir);
  REQUIRE(built);
  CHECK(built->origin_note().rfind("built; cached in " + dir, 0) == 0);
  const std::string file = built->origin_note().substr(std::string("built; cached in ").size());
  const auto want = lookups(*built);
  CHECK(want.front() == std::make_pair(std::string("RU"), 64500u));

  const auto cached = location_db::load(path, error, nullptr, dir);
  REQUIRE(cached);
  CHECK(cached->origin_note() == "from the cache " + file);
  CHECK(lookups(*cached) == want);
  CHECK(cached->vendor() == built->vendor());
  CHECK(cached->networks_v4() == built->networks_v4());

  // Damaged in the middle of the IPv4 table: indexes out of range; then cut short.
  for (const std::string damage : {"middle", "short"}) {
    FILE* f = std::fopen(file.c_str(), "r+b");
    REQUIRE(f != nullptr);
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::fclose(f);
    if (damage == "middle") {
      f = std::fopen(file.c_str(), "r+b");
      std::fseek(f, size / 2, SEEK_SET);
      const std::vector<unsigned char> junk(4096, 0xFF);
      std::fwrite(junk.data(), 1, junk.size(), f);
      std::fclose(f);
    } else {
      REQUIRE(::truncate(file.c_str(), size / 3) == 0);
    }
    const auto again = location_db::load(path, error, nullptr, dir);
    INFO(damage);
    REQUIRE(again);
    CHECK(again->origin_note().rfind("built; cached in ", 0) == 0);
    CHECK(lookups(*again) == want);
  }
  // A database changed since (its time): the cache is not used.
  REQUIRE(std::system(("touch -d '2001-01-01' " + path).c_str()) == 0);
  const auto changed = location_db::load(path, error, nullptr, dir);
  REQUIRE(changed);
  CHECK(changed->origin_note().rfind("built;", 0) == 0);
  std::remove(path.c_str());
  REQUIRE(std::system(("rm -rf " + dir).c_str()) == 0);
}

// Debian's database places documentation ranges in a country (2001:db8::/32 and 203.0.113.0/24
// in AU, read with python3-location); a source there is no one's, whatever the database says.
TEST_CASE("special-purpose sources are located nowhere, whatever the database says", "[geo]") {
  const location_db& db = default_db();
  const in6_addr documentation_v4 = mapped_v4(0xCB007105u);  // 203.0.113.5
  in6_addr documentation_v6{};
  inet_pton(AF_INET6, "2001:db8::5", &documentation_v6);
  in6_addr private_v4 = mapped_v4(0x0A000001u);  // 10.0.0.1
  libloc_oracle oracle(db.path());
  for (const in6_addr& a : {documentation_v4, documentation_v6, private_v4}) {
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a, text, sizeof text);
    INFO("address " << text << ", libloc: " << oracle.lookup(a).first);
    const geo_result where = db.locate(a.s6_addr);
    CHECK(std::string(db.country_code(where.country)) == "ZZ");
    CHECK(where.asn == 0);
  }
  // The test means something only while the database does place them: libloc's own answer.
  CHECK(oracle.lookup(documentation_v6).first != "ZZ");
  // An ordinary address locates as the database has it.
  const in6_addr ordinary = mapped_v4(0x5FBC32F5u);  // 95.188.50.245
  const geo_result where = db.locate(ordinary.s6_addr);
  CHECK(std::string(db.country_code(where.country)) == oracle.lookup(ordinary).first);
  // And the generator's country blocks hold none of them.
  for (uint32_t first : db.v4_blocks_of(db.country_index("AU"))) {
    REQUIRE((first >> 8) != 0xCB0071u);
  }
}
