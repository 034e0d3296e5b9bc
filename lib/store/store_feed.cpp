#include "store/store_feed.hpp"

#include <algorithm>
#include <cstring>

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
  {
    std::lock_guard<std::mutex> view(view_lock_);
    writing_ = pending_.take(names, categories, width_s_);
    ++generation_;
  }
  store_->add(writing_);  // lookups read writing_ meanwhile; nobody changes it
  std::lock_guard<std::mutex> view(view_lock_);
  writing_.clear();
}

uint64_t store_feed::generation() const {
  std::lock_guard<std::mutex> view(view_lock_);
  return generation_;
}

uint64_t store_feed::untallied() const {
  std::lock_guard<std::mutex> view(view_lock_);
  return pending_.untallied();
}

unwritten_source store_feed::unwritten(const uint8_t* source, const std::string& address) const {
  unwritten_source out;
  std::lock_guard<std::mutex> view(view_lock_);
  const auto w = std::lower_bound(
      writing_.begin(), writing_.end(), address,
      [](const source_sighting& s, const std::string& a) { return s.address < a; });
  if (w != writing_.end() && w->address == address) {
    out.writing = *w;
  }
  out.waiting.add_source_of(pending_, source);
  std::lock_guard<std::mutex> hold(lock_);
  const uint64_t tally = bucket_series::tally_key(address_hash(source));
  for (const store_bucket& b : queue_) {
    std::vector<source_arrival> its;
    for (const source_arrival& a : b.arrivals) {
      if (std::memcmp(a.source, source, sizeof a.source) == 0) {
        its.push_back(a);
      }
    }
    std::vector<source_tally> packets;
    for (const source_tally& t : b.tallies) {
      if (t.key == tally) {
        packets.push_back(t);
      }
    }
    std::vector<source_fact> facts;
    for (const source_fact& f : b.facts) {
      if (std::memcmp(f.source, source, sizeof f.source) == 0) {
        facts.push_back(f);
      }
    }
    out.waiting.add(b.bucket, its, packets, facts);
    out.waiting.add_texts(b.indicator_texts);
  }
  return out;
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
      // The bucket stays queued until it is merged, both under view_lock_: a lookup finds it
      // in one place or the other. (A deque's push_back keeps references to its elements.)
      store_bucket& b = queue_.front();
      busy_ = true;
      hold.unlock();
      {
        std::lock_guard<std::mutex> view(view_lock_);
        pending_.add(b.bucket, b.arrivals, b.tallies, b.facts);
        pending_.add_texts(b.indicator_texts);
        names = std::move(b.names);
        categories = std::move(b.categories);
        hold.lock();
        queue_.pop_front();
      }
      hold.unlock();
      store_->count_bucket();
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
