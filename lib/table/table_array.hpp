#pragma once
/**
 * @file
 * The fixed array of a large per-lcore table (its lines, slots or records). Taken from the
 * kernel as fresh zero pages: a table whose empty element is all zero bytes costs nothing at
 * start and only the pages it touches (a table sized for a dense hour is hundreds of
 * megabytes, and writing it all once cost a start-up of seconds). Backed by transparent huge
 * pages where the kernel offers them: a table of tens of megabytes looked up at random misses
 * the TLB on nearly every look with 4 KiB pages; a 2 MiB page covers 32,768 cache lines.
 *
 * A live run takes its tables' pages at start instead (table_pages::resident): a page's first
 * touch in the data path stalls the RX lcore while the kernel finds and zeroes it, and a huge
 * page may first need memory compacted (Debian's THP defrag is `madvise`). At a telescope's
 * rate the NIC's queue overflows meanwhile (BENCHMARKS.md: net_memif refused 1.4-1.7% of a
 * 4-second step's frames at 0.5-1 Mpps).
 */

#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace scanscope {

/** When the pages of the tables made from now on are taken from the kernel. */
enum class table_pages : uint8_t {
  on_touch, /**< when first touched: nothing at start, only the pages used (offline runs) */
  resident, /**< all at creation, and kept over clears: no page fault in the data path (live) */
};

/** The process's policy (set once before the lcores' tables are made). */
inline std::atomic<table_pages> table_page_policy{table_pages::on_touch};

namespace table_detail {

/** Fault in every page of [p, p + bytes) writable, so no later touch waits for the kernel. */
inline void make_resident(void* p, size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  if (madvise(p, bytes, MADV_POPULATE_WRITE) == 0) {
    return;
  }
#endif
  // A kernel before 5.14: one write per 4 KiB page (the zero the page already holds).
  auto* bytes_at = static_cast<volatile unsigned char*>(p);
  for (size_t i = 0; i < bytes; i += 4096) {
    bytes_at[i] = 0;
  }
}

}  // namespace table_detail

template <class Line>
class table_array {
  static_assert(std::is_trivially_copyable_v<Line> && std::is_trivially_destructible_v<Line>,
                "a table's elements are plain memory");

 public:
  table_array() = default;
  /** `n` elements, each value-initialised. */
  explicit table_array(size_t n) : size_(n) {
    if (n == 0) {
      return;
    }
    constexpr size_t huge = size_t{2} << 20;
    // A table smaller than a huge page keeps 4 KiB pages (a huge one would be mostly empty).
    const size_t unit = n * sizeof(Line) >= huge ? huge : 4096;
    const size_t bytes = (n * sizeof(Line) + unit - 1) / unit * unit;
    // One unit more, so the table can start on a unit's boundary.
    void* p =
        mmap(nullptr, bytes + unit, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      throw std::bad_alloc();
    }
    const auto start = reinterpret_cast<uintptr_t>(p);
    const uintptr_t aligned = (start + unit - 1) / unit * unit;
    if (aligned != start) {
      munmap(p, aligned - start);
    }
    if (aligned + bytes != start + bytes + unit) {
      munmap(reinterpret_cast<void*>(aligned + bytes), start + unit - aligned);
    }
    if (unit == huge) {
      madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);  // advice: may stay 4 KiB
    }
    lines_.reset(reinterpret_cast<Line*>(aligned));
    lines_.get_deleter().bytes = bytes;
    resident_ = table_page_policy.load(std::memory_order_relaxed) == table_pages::resident;
    if (resident_) {
      table_detail::make_resident(lines_.get(), bytes);
    }
    // Fresh pages are zero: an element whose empty value is not needs writing.
    if (!empty_is_zero()) {
      fill();
    }
  }

  Line& operator[](size_t i) { return lines_.get()[i]; }
  const Line& operator[](size_t i) const { return lines_.get()[i]; }
  size_t size() const { return size_; }
  Line* data() { return lines_.get(); }
  const Line* data() const { return lines_.get(); }
  Line* begin() { return lines_.get(); }
  Line* end() { return lines_.get() + size_; }
  const Line* begin() const { return lines_.get(); }
  const Line* end() const { return lines_.get() + size_; }
  /** Every element value-initialised again. */
  void fill() { std::uninitialized_fill_n(lines_.get(), size_, Line{}); }
  /**
   * Every element empty again. Where the empty element is zero bytes and the pages are taken
   * on touch, they go back to the kernel and come back zero when next touched: no pass over
   * the whole table at once (a bucket slot's set and marks are tens of megabytes, cleared
   * between two bursts), and only the pages a quiet hour touches are zeroed again. Resident
   * pages stay, written empty.
   */
  void clear() {
    if (size_ == 0) {
      return;
    }
    if (resident_ || !empty_is_zero() ||
        madvise(lines_.get(), lines_.get_deleter().bytes, MADV_DONTNEED) != 0) {
      fill();
    }
  }
  /** Were the pages taken at creation (table_pages::resident)? */
  bool resident() const { return resident_; }

 private:
  static bool empty_is_zero() {
    const Line empty{};
    unsigned char bytes[sizeof(Line)];
    std::memcpy(bytes, &empty, sizeof(Line));
    for (unsigned char b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }
  struct release {
    size_t bytes = 0;
    void operator()(Line* p) const { munmap(p, bytes); }
  };
  std::unique_ptr<Line, release> lines_;
  size_t size_ = 0;
  bool resident_ = false;
};

}  // namespace scanscope
