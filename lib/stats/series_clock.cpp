#include "stats/series_clock.hpp"

#include <algorithm>
#include <cstdint>

namespace scanscope {

series_clock::series_clock(series_store& store, uint64_t width_ns, uint64_t grace_ns,
                           std::function<void(const closed_bucket&)> log)
    : store_(store), width_ns_(width_ns), grace_ns_(grace_ns), log_(std::move(log)) {}

bool series_clock::due(uint64_t now_ns) const {
  if (next_ < 0) {
    return true;  // the first time seen fixes where the series starts
  }
  return now_ns >= (static_cast<uint64_t>(next_) + 1) * width_ns_ + grace_ns_;
}

void series_clock::close(int64_t bucket, bool partial) {
  const closed_bucket closed = store_.close(bucket, lcores_);
  if (log_) {
    log_(closed);
  }
  for (const auto& f : on_closed_) {
    f(closed, partial);
  }
}

int64_t series_clock::next_held(int64_t from) const {
  int64_t held = INT64_MAX;
  for (const bucket_series* series : lcores_) {
    for (size_t i = 0; i < bucket_series::slots; ++i) {
      const series_slot& slot = series->slot(i);
      const int64_t b = slot.bucket.load(std::memory_order_acquire);
      if (b >= from && !slot.collected.load(std::memory_order_acquire)) {
        held = std::min(held, b);
      }
    }
  }
  return held;
}

void series_clock::close_through(int64_t last, bool partial_last) {
  if (last >= next_) {
    // From here on the lcores take no packet for these buckets (bucket_series::close_through).
    for (bucket_series* series : lcores_) {
      series->close_through(last);
    }
  }
  while (next_ <= last) {
    // Buckets no lcore holds had no packet: skip them in one step (a capture whose timestamps
    // lie years apart must not close every empty hour in between); the detectors count the
    // gap as empty buckets at the next close.
    const int64_t held = next_held(next_);
    if (held > last) {
      next_ = last + 1;
      return;
    }
    next_ = held;
    const int64_t bucket = next_++;
    close(bucket, partial_last && bucket == last);
  }
}

void series_clock::close_until(uint64_t now_ns) {
  if (next_ < 0) {
    // The series starts with the bucket of the first packet; anything older is late.
    next_ = static_cast<int64_t>(now_ns / width_ns_);
  }
  if (now_ns < width_ns_ + grace_ns_) {
    return;
  }
  // The last bucket whose end plus grace has passed.
  close_through(static_cast<int64_t>((now_ns - grace_ns_) / width_ns_) - 1, false);
}

void series_clock::close_all(uint64_t last_ns, bool partial) {
  if (next_ < 0) {
    if (last_ns == 0) {
      return;
    }
    next_ = static_cast<int64_t>(last_ns / width_ns_);
  }
  close_through(static_cast<int64_t>(last_ns / width_ns_), partial);
}

}  // namespace scanscope
