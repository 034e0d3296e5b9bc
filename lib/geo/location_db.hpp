#pragma once
/**
 * @file
 * Source address → country and AS, from a location database loaded once at start-up into
 * lookup tables. IPv4: a DIR-24-8 table (the layout of DPDK's rte_lpm: one 16M-entry table
 * indexed by the top 24 bits, 256-entry groups for /24s split finer), so a lookup is one or two
 * loads. It is built here from the flattened networks because rte_lpm_add searches its rule
 * table linearly: adding the 1.07 million IPv4 networks of the default database took 137 s.
 * IPv6: a sorted array of non-overlapping ranges (binary search; DPDK's LPM6 would need about a
 * gigabyte of tbl8 groups for the 220,000 IPv6 prefixes). The default database is the IPFire
 * location database Debian ships (package libloc-database), read with libloc; MaxMind-format
 * databases (GeoLite2 Country or ASN, DB-IP Lite) are read with libmaxminddb by walking their
 * search tree. Addresses in no network (private, unrouted) get the country "ZZ".
 */

#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace scanscope {

/** IPv6 addresses as numbers (a GCC/Clang extension, hence __extension__ under -pedantic). */
__extension__ typedef unsigned __int128 uint128;

namespace geo_detail {
/** One network of either family as a range of numbers, while a database is read. */
struct network_range {
  uint128 first;
  uint128 last;
  unsigned prefix;
  uint32_t place;
};
/** The cache key of a database file: its path, size, modification time and the cache format. */
std::string cache_key(const std::string& path);
/** The cache file's name for a key: "geo-<16 hex digits>.cache". */
std::string cache_name(const std::string& key);
}  // namespace geo_detail

/** Where a source is: a country index (see location_db::country_code) and an AS number. */
struct geo_result {
  uint8_t country = 0; /**< index into the country table; 0 is "ZZ" (unknown) */
  uint32_t asn = 0;    /**< autonomous system number, 0 when unknown */
};

class location_db {
 public:
  /** The country index of addresses in no network. */
  static constexpr uint8_t unknown_country = 0;
  /** Country codes the index can hold (the IPFire database has about 250). */
  static constexpr size_t max_countries = 256;

  ~location_db() = default;
  location_db(const location_db&) = delete;
  location_db& operator=(const location_db&) = delete;

  /**
   * Load a libloc database.
   * @param path     database file; "" tries the default locations of Debian's libloc-database
   * @param error    names the file and the reason when it cannot be loaded
   * @param previous when reloading: every country keeps the index it had there, so counters
   *                 kept by country index stay right (new countries get new indexes)
   * @param cache_dir folder for the built lookup tables, keyed by the database file's path,
   *                 size and modification time: a start with an unchanged database reads them
   *                 instead of building them (about 0.1 s instead of 3); "" : no cache. Not
   *                 used with `previous` (a reload keeps the old country indexes).
   */
  static std::unique_ptr<location_db> load(const std::string& path, std::string& error,
                                           const location_db* previous = nullptr,
                                           const std::string& cache_dir = {});

  /**
   * Where a source address is: unknown (ZZ, no AS) for special-purpose addresses
   * (special_purpose_prefixes(): private, documentation, CGNAT, ...) whatever the database
   * says (Debian's places 2001:db8::/32 and 203.0.113.0/24 in AU), else the database's answer.
   * @param addr16 the address, IPv4 mapped to ::ffff:a.b.c.d
   */
  geo_result locate(const uint8_t* addr16) const;
  /** IPv4 address in host byte order, as the database has it. */
  geo_result lookup_v4(uint32_t address) const;
  /** IPv6 address, 16 bytes in network order, as the database has it. */
  geo_result lookup_v6(const uint8_t* address) const;

  /**
   * First addresses (host order) of the IPv4 /24 blocks that lie wholly in networks of one
   * country: every address in them locates to that country (special-purpose blocks left out).
   * Scenario generators draw sources from these. One pass over the 16M-entry table.
   */
  std::vector<uint32_t> v4_blocks_of(uint8_t country) const;
  /** The same for several countries in one pass over the table. */
  std::map<uint8_t, std::vector<uint32_t>> v4_blocks_of(const std::set<uint8_t>& countries) const;
  /** The /24 blocks wholly in networks of each of these AS numbers, in one pass. */
  std::map<uint32_t, std::vector<uint32_t>> v4_blocks_of_ases(const std::set<uint32_t>& ases) const;

  /** Two-letter code of a country index ("ZZ" for unknown). */
  const char* country_code(uint8_t index) const { return countries_[index].code; }
  /** Country index of a code, or unknown_country. */
  uint8_t country_index(const char* code) const;
  size_t country_count() const { return countries_.size(); }

  const std::string& path() const { return path_; }
  /** How the tables came to be: "built", "from the cache FILE", "built; cached in FILE", or
   *  "built; not cached: REASON". */
  const std::string& origin_note() const { return note_; }
  const std::string& vendor() const { return vendor_; }
  std::time_t created_at() const { return created_at_; }
  size_t networks_v4() const { return networks_v4_; }
  size_t networks_v6() const { return networks_v6_; }

 private:
  struct country {
    char code[3];
  };
  struct place {
    uint8_t country;
    uint32_t asn;
  };
  /** Range start and the place it has up to the next start (place index, -1: none). */
  struct boundary {
    uint128 start;
    int32_t place;
  };
  /** A tbl24 entry with this bit set holds a tbl8 group index. */
  static constexpr uint32_t tbl8_flag = 0x80000000u;

  location_db() = default;
  uint32_t place_of(uint8_t country, uint32_t asn);
  /** The place of (country code, AS number), added on first sight. */
  uint32_t place_for(const char* code, size_t length, uint32_t asn);
  /** Read the networks of a libloc or a MaxMind file. @return the error, or "" */
  std::string read_libloc(std::vector<geo_detail::network_range>& v4,
                          std::vector<geo_detail::network_range>& v6);
  std::string read_mmdb(std::vector<geo_detail::network_range>& v4,
                        std::vector<geo_detail::network_range>& v6);
  void build_v4(const std::vector<boundary>& ranges);
  /** Call `take(place, first address)` for every /24 wholly in one place, special-purpose
   *  blocks left out. */
  template <typename Take>
  void for_each_v4_block(Take&& take) const;
  /** Write the built tables to `file` (location_db_cache.cpp); empty, or why not. */
  std::string save_cache(const std::string& file, const std::string& key) const;
  /** Read tables written by save_cache for `key`; null when absent, stale or damaged. */
  static std::unique_ptr<location_db> load_cache(const std::string& file, const std::string& key);

  std::string path_;
  std::string note_ = "built";
  std::string vendor_;
  std::time_t created_at_ = 0;
  size_t networks_v4_ = 0;
  size_t networks_v6_ = 0;
  std::vector<country> countries_;
  std::vector<place> places_;
  std::vector<uint32_t> tbl24_;  // place + 1 (0: none), or tbl8_flag | group
  std::vector<uint32_t> tbl8_;   // groups of 256 entries: place + 1 (0: none)
  std::vector<boundary> v6_;
  std::unordered_map<uint64_t, uint32_t> place_by_key_;
};

}  // namespace scanscope
