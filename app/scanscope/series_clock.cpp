#include "series_clock.hpp"

#include <cstdio>

namespace scanscope {

series_clock::series_clock(series_store& store, uint64_t width_ns, uint64_t grace_ns,
                           std::function<std::string(const surge_event&)> describe)
    : store_(store), width_ns_(width_ns), grace_ns_(grace_ns), describe_(std::move(describe)) {}

bool series_clock::due(uint64_t now_ns) const {
  if (next_ < 0) {
    return true;  // the first time seen fixes where the series starts
  }
  return now_ns >= (static_cast<uint64_t>(next_) + 1) * width_ns_ + grace_ns_;
}

void series_clock::close(int64_t bucket, bool partial) {
  for (const surge_event* e : store_.close(bucket, lcores_)) {
    std::fprintf(stderr, "scanscope: %s\n", describe_(*e).c_str());
  }
  if (on_closed_) {
    const auto it = store_.buckets().find(bucket);
    if (it != store_.buckets().end()) {
      on_closed_(bucket, it->second, partial);
    }
  }
}

void series_clock::close_until(uint64_t now_ns) {
  if (next_ < 0) {
    // The series starts with the bucket of the first packet; anything older is late.
    const int64_t first = static_cast<int64_t>(now_ns / width_ns_);
    next_ = first;
  }
  while (now_ns >= (static_cast<uint64_t>(next_) + 1) * width_ns_ + grace_ns_) {
    close(next_++, false);
  }
}

void series_clock::close_all(uint64_t last_ns, bool partial) {
  if (next_ < 0) {
    if (last_ns == 0) {
      return;
    }
    next_ = static_cast<int64_t>(last_ns / width_ns_);
  }
  const auto last = static_cast<int64_t>(last_ns / width_ns_);
  while (next_ <= last) {
    const int64_t bucket = next_++;
    close(bucket, partial && bucket == last);
  }
}

}  // namespace scanscope
