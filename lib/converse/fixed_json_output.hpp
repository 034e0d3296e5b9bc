#pragma once
/**
 * @file
 * A rapidjson output stream over a fixed buffer: answers are written without the heap, and
 * one that would not fit is known as such (`overflowed`), never cut silently.
 */

#include <cstddef>

namespace scanscope {

class fixed_json_output {
 public:
  using Ch = char;

  fixed_json_output(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {}

  void Put(char c) {
    if (length_ < capacity_) {
      buffer_[length_++] = c;
    } else {
      overflowed_ = true;
    }
  }
  void Flush() {}

  size_t length() const { return length_; }
  bool overflowed() const { return overflowed_; }

 private:
  char* buffer_;
  size_t capacity_;
  size_t length_ = 0;
  bool overflowed_ = false;
};

}  // namespace scanscope
