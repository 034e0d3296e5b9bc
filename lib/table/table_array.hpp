#pragma once
/**
 * @file
 * The fixed array of a large per-lcore table (its lines, slots or records), backed by
 * transparent huge pages where the kernel offers them: a table of tens of megabytes looked up
 * at random misses the TLB on nearly every look with 4 KiB pages; a 2 MiB page covers 32,768
 * cache lines.
 */

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
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
    const size_t bytes = n * sizeof(Line);
    // Only a table of a huge page or more gains from one; a smaller one keeps line alignment.
    const size_t align = bytes >= huge ? huge : alignof(Line);
    const size_t rounded = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded);
    if (p == nullptr) {
      throw std::bad_alloc();
    }
    if (align == huge) {
      madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without THP it stays 4 KiB pages
    }
    lines_.reset(static_cast<Line*>(p));
    fill();
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

 private:
  struct release {
    void operator()(Line* p) const { std::free(p); }
  };
  std::unique_ptr<Line, release> lines_;
  size_t size_ = 0;
};

}  // namespace scanscope
