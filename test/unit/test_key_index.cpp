// The index of the bounded tables (table/key_index.hpp): keys that crowd one bucket spill into
// the next ones and are still found, erasing leaves no trace, and a table on it agrees with a
// std::unordered_set under random adds, removals and bulk lookups.
#include <catch2/catch.hpp>
#include <random>
#include <unordered_set>
#include <vector>

#include "source/source_table.hpp"
#include "table/key_index.hpp"

using namespace scanscope;

namespace {

/** A hash with home bucket `home` and tag `tag`. */
uint64_t hash_at(uint32_t home, uint32_t tag) {
  return (uint64_t{tag} << 32) | home;
}

/** Find `position` by its hash, the way a table would (the position's key compares equal). */
int32_t find_in(const key_index& index, uint64_t hash, uint32_t position) {
  return index.find(hash, [&](uint32_t p) { return p == position; });
}

source_key key_of(uint32_t v4) {
  const uint8_t a[4] = {static_cast<uint8_t>(v4 >> 24), static_cast<uint8_t>(v4 >> 16),
                        static_cast<uint8_t>(v4 >> 8), static_cast<uint8_t>(v4)};
  return make_source_key(a, false);
}

}  // namespace

TEST_CASE("keys crowding one bucket spill over and are found, erased without a trace",
          "[key_index]") {
  key_index index(64);  // 16 buckets of 7
  // 40 keys with home bucket 3 fill buckets 3 to 8; one key at home 5 lands past them.
  for (uint32_t i = 0; i < 40; ++i) {
    index.add(hash_at(3, 1000 + i), i);
  }
  index.add(hash_at(5, 77), 40);
  for (uint32_t i = 0; i < 40; ++i) {
    INFO(i);
    CHECK(find_in(index, hash_at(3, 1000 + i), i) == static_cast<int32_t>(i));
  }
  CHECK(find_in(index, hash_at(5, 77), 40) == 40);
  CHECK(find_in(index, hash_at(3, 5), 99) == -1);  // absent, past the whole run
  CHECK(find_in(index, hash_at(9, 5), 99) == -1);  // absent, in a bucket nothing passed
  // The same tag on another position is not the key.
  CHECK(find_in(index, hash_at(3, 1000), 7) == -1);
  // Erase every other key: the rest are still found, the erased are not.
  for (uint32_t i = 0; i < 40; i += 2) {
    index.erase(hash_at(3, 1000 + i), i);
  }
  for (uint32_t i = 0; i < 40; ++i) {
    INFO(i);
    CHECK(find_in(index, hash_at(3, 1000 + i), i) == (i % 2 == 0 ? -1 : static_cast<int32_t>(i)));
  }
  CHECK(find_in(index, hash_at(5, 77), 40) == 40);
  // Erase everything: each bucket's count of keys that went past it is back to none, so a
  // search stops in the home bucket again (a new key there is found at once).
  for (uint32_t i = 1; i < 40; i += 2) {
    index.erase(hash_at(3, 1000 + i), i);
  }
  index.erase(hash_at(5, 77), 40);
  index.erase(hash_at(5, 77), 40);  // twice: nothing more happens
  index.erase(hash_at(3, 1001), 1);
  index.add(hash_at(3, 4242), 3);
  CHECK(index.candidate(hash_at(3, 4242)) == 3);
  CHECK(find_in(index, hash_at(3, 4242), 3) == 3);
  CHECK(find_in(index, hash_at(3, 1001), 1) == -1);
}

TEST_CASE("a table on the index agrees with a set under churn", "[key_index][source_table]") {
  std::string error;
  const uint32_t capacity = 512;
  auto table = source_table::create("churn", "sources", capacity, 3600ULL * 1000000000ULL, error);
  REQUIRE(table);
  std::unordered_set<uint32_t> present;
  std::mt19937 random(20261203);
  const auto evicting = [](source_state&) { FAIL("nothing is evicted below capacity"); };
  for (int step = 0; step < 200000; ++step) {
    const uint32_t v4 = 0x0A000000u + random() % 480;  // under capacity: no eviction
    const source_key key = key_of(v4);
    switch (random() % 3) {
      case 0: {  // touch
        bool is_new = false;
        source_state& s = table->touch(key, 1, is_new, evicting);
        REQUIRE(is_new == (present.count(v4) == 0));
        REQUIRE(std::memcmp(s.key.bytes, key.bytes, sizeof key.bytes) == 0);
        present.insert(v4);
        break;
      }
      case 1:  // remove
        if (source_state* s = table->find(key)) {
          REQUIRE(present.count(v4) == 1);
          table->remove(*s);
          present.erase(v4);
        } else {
          REQUIRE(present.count(v4) == 0);
        }
        break;
      default: {  // bulk lookup of 32 keys
        source_key keys[32];
        const source_key* ptrs[32];
        int32_t positions[32];
        for (unsigned i = 0; i < 32; ++i) {
          keys[i] = key_of(0x0A000000u + random() % 480);
          ptrs[i] = &keys[i];
        }
        table->lookup_bulk(ptrs, 32, positions);
        for (unsigned i = 0; i < 32; ++i) {
          const uint32_t v = 0x0A000000u + ((keys[i].bytes[14] << 8) | keys[i].bytes[15]);
          REQUIRE((positions[i] >= 0) == (present.count(v) == 1));
          if (positions[i] >= 0) {
            REQUIRE(std::memcmp(table->found(positions[i]).key.bytes, keys[i].bytes, 16) == 0);
          }
        }
      }
    }
    REQUIRE(table->counters().live.read() == present.size());
  }
}
