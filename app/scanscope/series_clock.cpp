#include "series_clock.hpp"


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
  if (on_closed_) {
    on_closed_(bucket, closed.points, partial);
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
