#include "store/store_feed.hpp"

namespace scanscope {

namespace {
// (source, key) pairs merged before a write is due whatever the time: bounds the memory.
constexpr size_t write_at_pairs = 2000000;
}  // namespace

store_feed::store_feed(std::unique_ptr<source_store> store, uint64_t width_s,
                       std::chrono::milliseconds write_every)
    : store_(std::move(store)),
      width_s_(width_s),
      write_every_(write_every),
      thread_([this] { run(); }) {}

store_feed::~store_feed() { finish(); }

void store_feed::submit(store_bucket bucket) {
  {
    std::lock_guard<std::mutex> hold(lock_);
    queue_.push_back(std::move(bucket));
  }
  wake_.notify_one();
}

size_t store_feed::waiting() const {
  std::lock_guard<std::mutex> hold(lock_);
  return queue_.size() + pending_buckets_ + (busy_ ? 1 : 0);
}

void store_feed::drain() {
  std::unique_lock<std::mutex> hold(lock_);
  if (!thread_.joinable()) {
    return;
  }
  write_now_ = true;
  wake_.notify_one();
  idle_.wait(hold, [this] { return queue_.empty() && !busy_ && pending_buckets_ == 0; });
}

void store_feed::finish() {
  {
    std::lock_guard<std::mutex> hold(lock_);
    if (!thread_.joinable()) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void store_feed::write(const series_names& names, const std::vector<std::string>& categories) {
  store_->add(pending_.take(names, categories, width_s_));
}

void store_feed::run() {
  using clock = std::chrono::steady_clock;
  series_names names;  // of the latest bucket: what pending keys are named with
  std::vector<std::string> categories;
  auto due = clock::now() + write_every_;
  std::unique_lock<std::mutex> hold(lock_);
  for (;;) {
    wake_.wait_until(hold, due, [this] { return stopping_ || write_now_ || !queue_.empty(); });
    if (!queue_.empty()) {
      store_bucket b = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      hold.unlock();
      pending_.add(b.bucket, b.arrivals);
      store_->count_bucket();
      names = std::move(b.names);
      categories = std::move(b.categories);
      hold.lock();
      busy_ = false;
      ++pending_buckets_;
      if (pending_.size() < write_at_pairs && clock::now() < due && !write_now_ && !stopping_) {
        continue;
      }
    }
    // Time to write: due, asked to, stopping, or enough is waiting. A drain or a stop
    // writes once the queue is empty.
    const bool everything = write_now_ || stopping_;
    if (everything && !queue_.empty()) {
      continue;
    }
    if (pending_buckets_ != 0) {
      busy_ = true;
      hold.unlock();
      write(names, categories);
      hold.lock();
      busy_ = false;
      pending_buckets_ = 0;
    }
    due = clock::now() + write_every_;
    if (everything && queue_.empty()) {
      write_now_ = false;
      idle_.notify_all();
      if (stopping_) {
        return;
      }
    }
  }
}

}  // namespace scanscope
