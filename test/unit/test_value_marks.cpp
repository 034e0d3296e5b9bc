// The value marks against an exact oracle (std::unordered_map of key to marked values): new
// and known entries, marks kept per entry, a table filled past its limit, clear(); and the
// table memory the large tables share.
#include <sys/mman.h>

#include <catch2/catch.hpp>
#include <random>
#include <unordered_map>
#include <vector>

#include "stats/series_dimensions.hpp"
#include "table/table_array.hpp"
#include "table/value_marks.hpp"

using namespace scanscope;

TEST_CASE("value marks: an entry is new once, and keeps its own marks", "[value_marks]") {
  value_marks marks(1u << 12);
  std::mt19937_64 random(7);
  std::unordered_map<uint64_t, uint64_t> oracle;  // key | 1 -> bits
  uint64_t mismatches = 0;
  for (int i = 0; i < 20000; ++i) {
    // Few keys, so most looks find an entry made before.
    const uint64_t key = (random() % 2000) * 0x9E3779B97F4A7C15ULL;
    const unsigned bit = static_cast<unsigned>(random() % marked_values::value_bits);
    bool added = false;
    marked_values* e = marks.find_or_add(key, added);
    REQUIRE(e != nullptr);
    const auto [known, fresh_key] = oracle.try_emplace(key | 1, 0);
    mismatches += added != fresh_key;
    const bool fresh_bit = (known->second >> bit & 1) == 0;
    known->second |= uint64_t{1} << bit;
    mismatches += e->mark(bit) != fresh_bit;
  }
  CHECK(mismatches == 0);
  CHECK(marks.size() == oracle.size());
  CHECK(marks.overflow().read() == 0);
  for (const auto& [key, bits] : oracle) {
    const marked_values* e = marks.find_existing(key);
    REQUIRE(e != nullptr);
    CHECK(e->bits == bits);
  }
  CHECK(marks.find_existing(0x1234567) == nullptr);
}

TEST_CASE("value marks: a full table refuses, counts it, and keeps what it holds",
          "[value_marks]") {
  value_marks marks(64);                            // the least: 16 lines of four
  std::vector<std::pair<uint64_t, unsigned>> held;  // key, its marked bit
  uint64_t refused = 0;
  for (uint64_t i = 1; i <= 200; ++i) {
    const uint64_t key = i * 0xC2B2AE3D27D4EB4FULL;
    bool added = false;
    marked_values* e = marks.find_or_add(key, added);
    if (e == nullptr) {
      ++refused;
      CHECK_FALSE(added);
      continue;
    }
    CHECK(added);
    const auto bit = static_cast<unsigned>(i % marked_values::value_bits);
    e->mark(bit);
    held.emplace_back(key, bit);
  }
  CHECK(held.size() <= 56);  // it stops adding at 7/8 full
  CHECK(held.size() >= 40);
  CHECK(marks.overflow().read() == refused);
  CHECK(held.size() + refused == 200);
  for (const auto& [key, bit] : held) {
    const marked_values* e = marks.find_existing(key);
    REQUIRE(e != nullptr);
    CHECK(e->bits == uint64_t{1} << bit);
  }
  // A known entry is still found when the table is full.
  bool added = true;
  CHECK(marks.find_or_add(held.front().first, added) != nullptr);
  CHECK_FALSE(added);
  marks.clear();
  CHECK(marks.size() == 0);
  CHECK(marks.find_existing(held.front().first) == nullptr);
  CHECK(marks.overflow().read() == refused);  // what was refused stays counted
}

TEST_CASE("value marks: every marked row's values have bits of their own", "[value_marks]") {
  std::vector<int> owners(marked_values::value_bits, 0);
  size_t rows = 0;
  for (const series_dimension& d : series_dimensions) {
    if (mark_of(d) != source_mark::bit) {
      continue;
    }
    ++rows;
    for (uint32_t v = 0; v < d.values; ++v) {
      const unsigned bit = marked_bit(d.kind, v);
      REQUIRE(bit < marked_values::value_bits);
      ++owners[bit];
    }
  }
  CHECK(rows == 3);  // cluster, tool, technique
  for (int n : owners) {
    CHECK(n <= 1);
  }
  CHECK(mark_of(series_key::kind::port) == source_mark::pair);
  CHECK(mark_of(series_key::kind::actor) == source_mark::pair);
  CHECK(mark_of(series_key::kind::as) == source_mark::pair);
  CHECK(mark_of(series_key::kind::fingerprint) == source_mark::own_key);
  CHECK(mark_of(series_key::kind::signature) == source_mark::none);
}

TEST_CASE("table memory: zeroed at start and by fill, huge-page aligned when large, movable",
          "[value_marks]") {
  struct alignas(64) line {
    uint64_t word[8];
  };
  table_array<line> big(size_t{5} << 15);  // 10 MiB
  REQUIRE(big.size() == size_t{5} << 15);
  CHECK(reinterpret_cast<uintptr_t>(big.data()) % (size_t{2} << 20) == 0);
  uint64_t sum = 0;
  for (const line& l : big) {
    sum += l.word[0] + l.word[7];
  }
  CHECK(sum == 0);
  big[123].word[3] = 9;
  big.fill();
  CHECK(big[123].word[3] == 0);
  // clear() gives the pages back: they read as zero again, and take writes as before.
  big[7].word[1] = 3;
  big[(size_t{5} << 15) - 1].word[6] = 4;
  big.clear();
  CHECK(big[7].word[1] == 0);
  CHECK(big[(size_t{5} << 15) - 1].word[6] == 0);
  big[7].word[1] = 5;
  CHECK(big[7].word[1] == 5);
  table_array<line> small(3);
  CHECK(reinterpret_cast<uintptr_t>(small.data()) % 4096 == 0);
  small[2].word[7] = 5;
  table_array<line> moved = std::move(small);
  CHECK(moved.size() == 3);
  CHECK(moved[2].word[7] == 5);
  // An element whose empty value is not zero bytes is written at start.
  struct marked {
    uint32_t value = 0xFFFFFFFF;
  };
  table_array<marked> ones(size_t{3} << 20);
  CHECK(ones[0].value == 0xFFFFFFFF);
  CHECK(ones[(size_t{3} << 20) - 1].value == 0xFFFFFFFF);
  ones[5].value = 1;
  ones.clear();
  CHECK(ones[5].value == 0xFFFFFFFF);
}

namespace {

/** How many of the 4 KiB pages of [p, p + bytes) are resident (mincore). */
size_t resident_pages(const void* p, size_t bytes) {
  const size_t pages = (bytes + 4095) / 4096;
  std::vector<unsigned char> in_core(pages);
  REQUIRE(mincore(const_cast<void*>(p), pages * 4096, in_core.data()) == 0);
  size_t n = 0;
  for (const unsigned char c : in_core) {
    n += c & 1;
  }
  return n;
}

}  // namespace

TEST_CASE("table memory: pages taken when touched offline, all at creation live", "[value_marks]") {
  struct alignas(64) line {
    uint64_t word[8];
  };
  constexpr size_t lines = size_t{1} << 16;  // 4 MiB, 1,024 pages of 4 KiB
  constexpr size_t bytes = lines * sizeof(line);
  // Offline (the default): nothing resident until touched, and a clear gives the pages back.
  REQUIRE(table_page_policy.load() == table_pages::on_touch);
  table_array<line> lazy(lines);
  CHECK_FALSE(lazy.resident());
  CHECK(resident_pages(lazy.data(), bytes) < 8);
  lazy[lines - 1].word[0] = 1;
  CHECK(resident_pages(lazy.data(), bytes) >= 1);
  lazy.clear();
  CHECK(resident_pages(lazy.data(), bytes) < 8);
  // Live: every page resident at creation and after a clear, and the table empty.
  table_page_policy.store(table_pages::resident);
  table_array<line> taken(lines);
  table_page_policy.store(table_pages::on_touch);
  CHECK(taken.resident());
  CHECK(resident_pages(taken.data(), bytes) == bytes / 4096);
  taken[5].word[2] = 7;
  taken.clear();
  CHECK(taken[5].word[2] == 0);
  CHECK(resident_pages(taken.data(), bytes) == bytes / 4096);
  uint64_t sum = 0;
  for (const line& l : taken) {
    sum += l.word[0] | l.word[7];
  }
  CHECK(sum == 0);
}

TEST_CASE("value marks: a cleared table is empty and takes its entries anew", "[value_marks]") {
  value_marks marks(1u << 16);
  bool added = false;
  marks.clear();  // never written: nothing to give back
  marked_values* e = marks.find_or_add(42, added);
  REQUIRE(e != nullptr);
  CHECK(added);
  CHECK(e->mark(3));
  marks.clear();
  CHECK(marks.size() == 0);
  CHECK(marks.find_existing(42) == nullptr);
  e = marks.find_or_add(42, added);
  REQUIRE(e != nullptr);
  CHECK(added);
  CHECK(e->mark(3));  // the bit is new again
}
