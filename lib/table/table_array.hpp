#pragma once
/**
 * @file
 * The fixed array of a large per-lcore table (its lines, slots or records). Taken from the
 * kernel as fresh zero pages: a table whose empty element is all zero bytes costs nothing at
 * start and only the pages it touches (a table sized for a dense hour is hundreds of
 * megabytes, and writing it all once cost a start-up of seconds). Backed by transparent huge
 * pages where the kernel offers them: a table of tens of megabytes looked up at random misses
 * the TLB on nearly every look with 4 KiB pages; a 2 MiB page covers 32,768 cache lines.
 */

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace scanscope {

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
   * Every element empty again. Where the empty element is zero bytes the pages go back to the
   * kernel and come back zero when next touched: no pass over the whole table at once (a
   * bucket slot's set and marks are tens of megabytes, cleared between two bursts), and only
   * the pages a quiet hour touches are zeroed again.
   */
  void clear() {
    if (size_ == 0) {
      return;
    }
    if (!empty_is_zero() || madvise(lines_.get(), lines_.get_deleter().bytes, MADV_DONTNEED) != 0) {
      fill();
    }
  }

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
};

}  // namespace scanscope
