#include "geo/location_db.hpp"

#include <arpa/inet.h>
#include <maxminddb.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "packet/prefix_set.hpp"
#include "geo/unknown_country.hpp"

extern "C" {
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
}

namespace scanscope {

namespace {

// Debian's libloc-database installs the file here and links the standard path to it.
constexpr const char* default_paths[] = {"/var/lib/location/database.db",
                                         "/usr/share/libloc-location/location.db"};

/** libloc objects released on every path. */
struct libloc_handles {
  loc_ctx* ctx = nullptr;
  loc_database* db = nullptr;
  loc_database_enumerator* networks = nullptr;
  FILE* file = nullptr;
  ~libloc_handles() {
    if (networks) {
      loc_database_enumerator_unref(networks);
    }
    if (db) {
      loc_database_unref(db);
    }
    if (ctx) {
      loc_unref(ctx);
    }
    if (file) {
      std::fclose(file);
    }
  }
};

uint128 to_u128(const in6_addr& a) {
  uint128 v = 0;
  for (uint8_t b : a.s6_addr) {
    v = (v << 8) | b;
  }
  return v;
}

using geo_detail::network_range;

bool is_libloc_file(const std::string& path) {
  char magic[7] = {};
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return false;
  }
  const size_t n = std::fread(magic, 1, sizeof magic, f);
  std::fclose(f);
  return n == sizeof magic && std::memcmp(magic, "LOCDBXX", sizeof magic) == 0;
}

/**
 * Nested networks (a /8 and the /24s inside it) to non-overlapping ranges where the most
 * specific network wins: sort by start, shorter first, so an enclosing network is on the stack
 * before the ones inside it; each start and each end pushes a boundary.
 */
template <typename Boundary>
std::vector<Boundary> flatten(std::vector<network_range>& nets) {
  std::sort(nets.begin(), nets.end(), [](const network_range& a, const network_range& b) {
    return a.first != b.first ? a.first < b.first : a.prefix < b.prefix;
  });
  std::vector<Boundary> out;
  std::vector<const network_range*> open;
  auto close_until = [&](uint128 position, bool all) {
    while (!open.empty() && (all || open.back()->last < position)) {
      const uint128 end = open.back()->last;
      open.pop_back();
      if (end != ~uint128{0}) {
        out.push_back({end + 1, open.empty() ? -1 : static_cast<int32_t>(open.back()->place)});
      }
    }
  };
  if (nets.empty() || nets.front().first != 0) {
    out.push_back({0, -1});
  }
  for (const network_range& net : nets) {
    close_until(net.first, false);
    out.push_back({net.first, static_cast<int32_t>(net.place)});
    open.push_back(&net);
  }
  close_until(0, true);
  // Of boundaries at one start the last wins (a network and one nested at its start);
  // neighbours with the same place merge.
  std::vector<Boundary> merged;
  for (const Boundary& b : out) {
    if (!merged.empty() && merged.back().start == b.start) {
      merged.back() = b;
      if (merged.size() > 1 && merged[merged.size() - 2].place == b.place) {
        merged.pop_back();
      }
    } else if (merged.empty() || merged.back().place != b.place) {
      merged.push_back(b);
    }
  }
  return merged;
}

}  // namespace

void location_db::build_v4(const std::vector<boundary>& ranges) {
  tbl24_.assign(size_t{1} << 24, 0);
  for (size_t i = 0; i < ranges.size(); ++i) {
    const uint32_t value = ranges[i].place < 0 ? 0 : static_cast<uint32_t>(ranges[i].place) + 1;
    uint64_t s = static_cast<uint64_t>(ranges[i].start);
    const uint64_t end = i + 1 < ranges.size() ? static_cast<uint64_t>(ranges[i + 1].start)
                                               : (uint64_t{1} << 32);  // exclusive
    while (s < end) {
      const uint64_t block = s >> 8;
      if ((s & 0xFF) == 0 && end - s >= 256) {
        // Whole /24 blocks.
        const uint64_t blocks = (end - s) >> 8;
        std::fill(tbl24_.begin() + static_cast<long>(block),
                  tbl24_.begin() + static_cast<long>(block + blocks), value);
        s += blocks << 8;
        continue;
      }
      // Part of a /24: its group of 256 holds the finer ranges.
      uint32_t& entry = tbl24_[block];
      if (!(entry & tbl8_flag)) {
        const auto group = static_cast<uint32_t>(tbl8_.size() / 256);
        tbl8_.resize(tbl8_.size() + 256, entry);
        entry = tbl8_flag | group;
      }
      const uint64_t stop = std::min(end, (block + 1) << 8);
      const size_t base = size_t{entry & ~tbl8_flag} * 256;
      std::fill(tbl8_.begin() + static_cast<long>(base + (s & 0xFF)),
                tbl8_.begin() + static_cast<long>(base + ((stop - 1) & 0xFF) + 1), value);
      s = stop;
    }
  }
}

uint32_t location_db::place_of(uint8_t country, uint32_t asn) {
  places_.push_back({country, asn});
  return static_cast<uint32_t>(places_.size() - 1);
}

uint32_t location_db::place_for(const char* code, size_t length, uint32_t asn) {
  uint8_t country = unknown_country;
  if (code != nullptr && length == 2) {
    const char two[3] = {code[0], code[1], 0};
    country = country_index(two);
    if (country == unknown_country && std::strncmp(two, unknown_country_code, 2) != 0 &&
        countries_.size() < max_countries) {
      countries_.push_back({{code[0], code[1], 0}});
      country = static_cast<uint8_t>(countries_.size() - 1);
    }
  }
  const uint64_t key = (uint64_t{country} << 32) | asn;
  const auto [it, added] = place_by_key_.emplace(key, 0);
  if (added) {
    it->second = place_of(country, asn);
  }
  return it->second;
}

uint8_t location_db::country_index(const char* code) const {
  for (size_t i = 0; i < countries_.size(); ++i) {
    if (std::strncmp(countries_[i].code, code, 2) == 0) {
      return static_cast<uint8_t>(i);
    }
  }
  return unknown_country;
}

std::string location_db::read_mmdb(std::vector<network_range>& v4,
                                   std::vector<network_range>& v6) {
  MMDB_s mmdb{};
  const int rc = MMDB_open(path_.c_str(), MMDB_MODE_MMAP, &mmdb);
  if (rc != MMDB_SUCCESS) {
    return "'" + path_ + "' is neither a libloc nor a MaxMind location database (" +
           MMDB_strerror(rc) + ")";
  }
  vendor_ = mmdb.metadata.database_type ? mmdb.metadata.database_type : "MaxMind DB";
  created_at_ = static_cast<std::time_t>(mmdb.metadata.build_epoch);
  const unsigned bits = mmdb.metadata.ip_version == 6 ? 128 : 32;
  // Leaves share data records: look each record up once.
  std::unordered_map<uint32_t, uint32_t> place_by_offset;
  auto place_of_entry = [&](MMDB_entry_s entry) {
    const auto [it, added] = place_by_offset.emplace(entry.offset, 0);
    if (added) {
      MMDB_entry_data_s data{};
      const char* code = nullptr;
      size_t length = 0;
      for (const char* field : {"country", "registered_country"}) {
        if (MMDB_get_value(&entry, &data, field, "iso_code", nullptr) == MMDB_SUCCESS &&
            data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING) {
          code = data.utf8_string;
          length = data.data_size;
          break;
        }
      }
      uint32_t asn = 0;
      if (MMDB_get_value(&entry, &data, "autonomous_system_number", nullptr) == MMDB_SUCCESS &&
          data.has_data && data.type == MMDB_DATA_TYPE_UINT32) {
        asn = data.uint32;
      }
      it->second = place_for(code, length, asn);
    }
    return it->second;
  };
  // Depth-first walk of the search tree; each data leaf is one network.
  struct pending {
    uint32_t node;
    uint128 prefix_bits;
    unsigned depth;
  };
  std::vector<pending> stack = {{0, 0, 0}};
  bool corrupt = false;
  while (!stack.empty() && !corrupt) {
    const pending at = stack.back();
    stack.pop_back();
    MMDB_search_node_s node{};
    if (MMDB_read_node(&mmdb, at.node, &node) != MMDB_SUCCESS) {
      corrupt = true;
      break;
    }
    for (int side = 0; side < 2; ++side) {
      const uint8_t type = side == 0 ? node.left_record_type : node.right_record_type;
      const uint64_t record = side == 0 ? node.left_record : node.right_record;
      const unsigned depth = at.depth + 1;
      const uint128 bits_here =
          at.prefix_bits | (uint128{static_cast<uint8_t>(side)} << (bits - depth));
      if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
        if (depth >= bits || record >= mmdb.metadata.node_count) {
          corrupt = true;
          break;
        }
        stack.push_back({static_cast<uint32_t>(record), bits_here, depth});
      } else if (type == MMDB_RECORD_TYPE_DATA) {
        const uint32_t place =
            place_of_entry(side == 0 ? node.left_record_entry : node.right_record_entry);
        const uint128 span = depth >= bits ? 0 : (~uint128{0} >> depth) >> (128 - bits);
        network_range net{bits_here, bits_here | span, depth, place};
        if (bits == 32) {
          v4.push_back(net);
        } else if ((bits_here >> 32) == 0 && depth >= 96) {
          // ::a.b.c.d/96+n is where IPv6 databases keep IPv4.
          v4.push_back({net.first, net.last, depth - 96, place});
        } else {
          v6.push_back(net);
        }
      } else if (type == MMDB_RECORD_TYPE_INVALID) {
        corrupt = true;
        break;
      }
    }
  }
  MMDB_close(&mmdb);
  if (corrupt) {
    return "MaxMind database '" + path_ + "' has a damaged search tree";
  }
  return {};
}

std::string location_db::read_libloc(std::vector<network_range>& v4,
                                     std::vector<network_range>& v6) {
  libloc_handles h;
  h.file = std::fopen(path_.c_str(), "r");
  if (h.file == nullptr) {
    return "cannot read location database '" + path_ + "': " + std::strerror(errno);
  }
  if (loc_new(&h.ctx) != 0 || loc_database_new(h.ctx, &h.db, h.file) != 0) {
    return "'" + path_ + "' is not a libloc location database (or it is damaged)";
  }
  // Without flattening, networks come nested (a /8 and the /24s inside it): longest-prefix
  // matching resolves that the way libloc's own lookup does, and enumeration takes under a
  // second instead of two minutes.
  if (loc_database_enumerator_new(&h.networks, h.db, LOC_DB_ENUMERATE_NETWORKS, 0) != 0) {
    return "cannot enumerate the networks of '" + path_ + "'";
  }
  const char* vendor = loc_database_get_vendor(h.db);
  vendor_ = vendor ? vendor : "";
  created_at_ = loc_database_created_at(h.db);
  loc_network* n = nullptr;
  while (loc_database_enumerator_next_network(h.networks, &n) == 0 && n != nullptr) {
    const char* code = loc_network_get_country_code(n);
    const uint32_t place = place_for(code, code ? std::strlen(code) : 0, loc_network_get_asn(n));
    const uint128 first = to_u128(*loc_network_get_first_address(n));
    const uint128 last = to_u128(*loc_network_get_last_address(n));
    const unsigned prefix = loc_network_prefix(n);
    if (loc_network_address_family(n) == AF_INET) {
      // libloc keeps IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d): the low 32 bits.
      v4.push_back({first & 0xFFFFFFFFu, last & 0xFFFFFFFFu, prefix, place});
    } else {
      v6.push_back({first, last, prefix, place});
    }
    loc_network_unref(n);
  }
  return {};
}

std::unique_ptr<location_db> location_db::load(const std::string& requested, std::string& error,
                                               const location_db* previous,
                                               const std::string& cache_dir) {
  std::string path = requested;
  if (path.empty()) {
    for (const char* candidate : default_paths) {
      if (FILE* f = std::fopen(candidate, "r")) {
        std::fclose(f);
        path = candidate;
        break;
      }
    }
    if (path.empty()) {
      error = "no location database: install Debian's libloc-database or give --geo-db FILE";
      return nullptr;
    }
  }
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    // Say why it cannot be opened (missing, no permission) before guessing at its format.
    error = "location database '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  std::string cache_file;
  std::string cache_key;
  if (!cache_dir.empty() && previous == nullptr) {
    cache_key = geo_detail::cache_key(path);
    cache_file = cache_dir + "/" + geo_detail::cache_name(cache_key);
    if (auto cached = load_cache(cache_file, cache_key)) {
      cached->path_ = path;
      cached->note_ = "from the cache " + cache_file;
      return cached;
    }
  }
  std::unique_ptr<location_db> db(new location_db);
  db->path_ = path;
  if (previous != nullptr) {
    db->countries_ = previous->countries_;
  } else {
    db->countries_.push_back({{unknown_country_code[0], unknown_country_code[1], 0}});
  }
  std::vector<network_range> v4;
  std::vector<network_range> v6;
  error = is_libloc_file(path) ? db->read_libloc(v4, v6) : db->read_mmdb(v4, v6);
  if (!error.empty()) {
    return nullptr;
  }
  db->networks_v4_ = v4.size();
  db->networks_v6_ = v6.size();
  db->build_v4(flatten<boundary>(v4));
  db->v6_ = flatten<boundary>(v6);
  if (!cache_file.empty()) {
    const std::string why = db->save_cache(cache_file, cache_key);
    db->note_ = why.empty() ? "built; cached in " + cache_file : "built; not cached: " + why;
  }
  return db;
}

geo_result location_db::locate(const uint8_t* addr16) const {
  const prefix_set& special = special_purpose_prefixes();
  if (is_v4_mapped(addr16)) {
    if (special.contains_v4(addr16 + 12)) {
      return {};
    }
    return lookup_v4((uint32_t{addr16[12]} << 24) | (uint32_t{addr16[13]} << 16) |
                     (uint32_t{addr16[14]} << 8) | addr16[15]);
  }
  return special.contains_v6(addr16) ? geo_result{} : lookup_v6(addr16);
}

geo_result location_db::lookup_v4(uint32_t address) const {
  uint32_t v = tbl24_[address >> 8];
  if (v & tbl8_flag) {
    v = tbl8_[size_t{v & ~tbl8_flag} * 256 + (address & 0xFF)];
  }
  if (v == 0) {
    return {};
  }
  const auto& p = places_[v - 1];
  return {p.country, p.asn};
}

std::vector<uint32_t> location_db::v4_blocks_of(uint8_t country) const {
  return std::move(v4_blocks_of(std::set<uint8_t>{country})[country]);
}

template <typename Take>
void location_db::for_each_v4_block(Take&& take) const {
  // Special-purpose IPv4 prefixes as ranges of /24 indexes: the scan below skips them by index,
  // with no test per block (it runs over 16M entries, a few times per scenario).
  std::vector<std::pair<size_t, size_t>> skipped;
  for (const address_prefix& p : special_purpose_prefixes().prefixes()) {
    if (p.v4) {
      const uint32_t net = load_be32(p.bytes + 12);
      const uint32_t mask = load_be32(p.mask + 12);
      skipped.emplace_back(net >> 8, (net | ~mask) >> 8);
    }
  }
  std::sort(skipped.begin(), skipped.end());
  const auto scan = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const uint32_t v = tbl24_[i];
      if (v != 0 && !(v & tbl8_flag)) {
        take(places_[v - 1], static_cast<uint32_t>(i << 8));
      }
    }
  };
  size_t at = 0;
  for (const auto& [first, last] : skipped) {
    scan(at, std::max(at, first));
    at = std::max(at, last + 1);
  }
  scan(at, tbl24_.size());
}

std::map<uint8_t, std::vector<uint32_t>> location_db::v4_blocks_of(
    const std::set<uint8_t>& countries) const {
  std::map<uint8_t, std::vector<uint32_t>> blocks;
  std::array<std::vector<uint32_t>*, 256> wanted{};
  for (uint8_t c : countries) {
    wanted[c] = &blocks[c];
  }
  for_each_v4_block([&](const place& p, uint32_t first) {
    if (std::vector<uint32_t>* out = wanted[p.country]) {
      out->push_back(first);
    }
  });
  return blocks;
}

std::map<uint32_t, std::vector<uint32_t>> location_db::v4_blocks_of_ases(
    const std::set<uint32_t>& ases) const {
  std::map<uint32_t, std::vector<uint32_t>> blocks;
  for (uint32_t as : ases) {
    blocks[as];
  }
  for_each_v4_block([&](const place& p, uint32_t first) {
    if (p.asn != 0) {
      if (const auto it = blocks.find(p.asn); it != blocks.end()) {
        it->second.push_back(first);
      }
    }
  });
  return blocks;
}

geo_result location_db::lookup_v6(const uint8_t* address) const {
  uint128 a = 0;
  for (int i = 0; i < 16; ++i) {
    a = (a << 8) | address[i];
  }
  auto it = std::upper_bound(v6_.begin(), v6_.end(), a,
                             [](uint128 v, const boundary& b) { return v < b.start; });
  if (it == v6_.begin()) {
    return {};
  }
  --it;
  if (it->place < 0) {
    return {};
  }
  const auto& p = places_[static_cast<size_t>(it->place)];
  return {p.country, p.asn};
}

}  // namespace scanscope
