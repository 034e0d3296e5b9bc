#include "store/store_feed.hpp"

#include "store/source_sightings.hpp"

namespace scanscope {

store_feed::store_feed(std::unique_ptr<source_store> store)
    : store_(std::move(store)), thread_([this] { run(); }) {}

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
  return queue_.size() + (busy_ ? 1 : 0);
}

void store_feed::drain() {
  std::unique_lock<std::mutex> hold(lock_);
  idle_.wait(hold, [this] { return queue_.empty() && !busy_; });
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

void store_feed::run() {
  std::unique_lock<std::mutex> hold(lock_);
  for (;;) {
    wake_.wait(hold, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      return;  // stopping, and everything is in
    }
    store_bucket b = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    hold.unlock();
    store_->add_bucket(b.start_s, b.end_s,
                       sightings_of(std::move(b.arrivals), b.names, b.categories));
    hold.lock();
    busy_ = false;
    idle_.notify_all();
  }
}

}  // namespace scanscope
