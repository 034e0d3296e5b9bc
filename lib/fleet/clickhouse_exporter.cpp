#include "fleet/clickhouse_exporter.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace scanscope {

namespace {

/** Most bytes of rows sent in one INSERT when buckets are grouped. */
constexpr uint64_t max_group_bytes = 8ULL << 20;

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

clickhouse_exporter::clickhouse_exporter(exporter_settings settings)
    : settings_(std::move(settings)),
      client_(settings_.url, settings_.request_timeout_s),
      spool_(settings_.spool_dir, settings_.spool_bytes) {}

std::unique_ptr<clickhouse_exporter> clickhouse_exporter::start(exporter_settings settings,
                                                                std::string& error) {
  std::unique_ptr<clickhouse_exporter> e(new clickhouse_exporter(std::move(settings)));
  error = e->spool_.open();
  if (!error.empty()) {
    return nullptr;
  }
  if (!e->spool_.empty()) {
    std::fprintf(stderr,
                 "scanscope: %zu buckets (%llu bytes) wait in the spool %s from an earlier run; "
                 "they go to ClickHouse first\n",
                 e->spool_.size(), static_cast<unsigned long long>(e->spool_.bytes()),
                 e->spool_.dir().c_str());
  }
  e->mirror_spool();
  e->thread_ = std::thread([raw = e.get()] { raw->run(); });
  return e;
}

clickhouse_exporter::~clickhouse_exporter() {
  finish(0);
}

void clickhouse_exporter::submit(std::function<bucket_batch()> make) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(make));
    queued_.fetch_add(1, std::memory_order_relaxed);
  }
  wake_.notify_one();
}

void clickhouse_exporter::finish(double seconds) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!finishing_) {
      finishing_ = true;
      deadline_ = steady_seconds() + seconds;
    }
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void clickhouse_exporter::mirror_spool() {
  spool_buckets_.store(spool_.size(), std::memory_order_relaxed);
  spool_bytes_.store(spool_.bytes(), std::memory_order_relaxed);
  spool_oldest_.store(spool_.oldest_written(), std::memory_order_relaxed);
  dropped_.store(spool_.dropped(), std::memory_order_relaxed);
  damaged_.store(spool_.damaged(), std::memory_order_relaxed);
}

void clickhouse_exporter::spool(const bucket_batch& b, bool waits) {
  const std::string error = spool_.push(b);
  untried_ = std::min<uint64_t>(untried_, spool_.size());
  if (!error.empty()) {
    std::fprintf(stderr, "scanscope: %s\n", error.c_str());
  } else if (waits) {
    spooled_.fetch_add(1, std::memory_order_relaxed);
  } else {
    ++untried_;
  }
  mirror_spool();
}

void clickhouse_exporter::note_failure(const insert_result& r, const std::string& table) {
  retries_.fetch_add(1, std::memory_order_relaxed);
  const std::string what =
      r.reached ? "ClickHouse at " + settings_.url.shown + " refused rows of table '" + table +
                      "' (HTTP " + std::to_string(r.status) + "): " + r.message
                : "ClickHouse at " + settings_.url.shown + " cannot be reached: " + r.message;
  if (r.reached) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
  }
  // The server's own message, once per message; a server that is down, once per outage.
  if (r.reached ? logged_.insert(r.message).second && logged_.size() <= 64 : !failing_) {
    std::fprintf(stderr, "scanscope: %s; buckets wait in the spool %s\n", what.c_str(),
                 settings_.spool_dir.c_str());
  }
  if (!failing_) {
    failing_ = true;
    failing_since_ = steady_seconds();
    pause_s_ = settings_.retry_min_s;
  } else {
    pause_s_ = std::min(pause_s_ * 2, settings_.retry_max_s);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  last_error_ = what;
}

void clickhouse_exporter::note_success() {
  if (failing_) {
    std::fprintf(stderr, "scanscope: ClickHouse at %s takes buckets again after %.1f s\n",
                 settings_.url.shown.c_str(), steady_seconds() - failing_since_);
    failing_ = false;
  }
}

bool clickhouse_exporter::deliver(const bucket_batch& b, size_t& first_table) {
  for (; first_table < b.tables.size(); ++first_table) {
    const table_rows& t = b.tables[first_table];
    if (t.rows == 0) {
      continue;
    }
    const insert_result r = client_.insert(t.table, t.body);
    if (!r.ok) {
      note_failure(r, t.table);
      return false;
    }
  }
  note_success();
  delivered_.fetch_add(1, std::memory_order_relaxed);
  rows_.fetch_add(b.rows(), std::memory_order_relaxed);
  return true;
}

void clickhouse_exporter::run() {
  double retry_at = 0;
  uint64_t retries_at_finish = UINT64_MAX;  // failures counted when finishing began
  std::deque<bucket_batch> ready;           // made, not in the spool yet (it had no room)
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto has_work = [&] {
      return finishing_ || !queue_.empty() || (!ready.empty() && spool_.empty()) ||
             (!spool_.empty() && steady_seconds() >= retry_at);
    };
    if (!has_work()) {
      if (spool_.empty()) {
        wake_.wait(lock, has_work);
      } else {
        wake_.wait_for(lock, std::chrono::duration<double>(
                                 std::max(0.0, retry_at - steady_seconds())));
        continue;
      }
    }
    const bool finishing = finishing_;
    const double deadline = deadline_;
    std::deque<std::function<bucket_batch()>> makers;
    makers.swap(queue_);
    lock.unlock();
    // The rows are made here, not on the stats loop: a dense hour has a million sources.
    for (auto& make : makers) {
      bucket_batch b = make();
      // A bucket without rows in any table (a quiet last bucket of a live run, no campaign
      // open) has nothing to send: it is neither spooled nor counted delivered, as the series
      // files write no line for it.
      if (b.rows() > 0) {
        ready.push_back(std::move(b));
      }
    }
    if (finishing && retries_at_finish == UINT64_MAX) {
      retries_at_finish = retries_.load(std::memory_order_relaxed);
    }
    const bool out_of_time = finishing && steady_seconds() >= deadline;
    // Write-ahead: a bucket is on disk, in the spool, before its first delivery, so a crash
    // loses none whose rows were made. In the order they closed: while the server answers and
    // the spool has no room, a bucket waits in memory until deliveries make room (nothing is
    // dropped for want of room then); while it is away, or at the end, a full spool drops
    // its oldest.
    while (!ready.empty() && (failing_ || out_of_time || spool_.fits(ready.front()))) {
      spool(ready.front(), failing_ || out_of_time);
      ready.pop_front();
    }
    queued_.store(ready.size(), std::memory_order_relaxed);
    if (finishing &&
        (out_of_time || retries_.load(std::memory_order_relaxed) > retries_at_finish)) {
      // Out of time, or the server is down: what is left waits in the spool.
      for (const bucket_batch& b : ready) {
        spool(b, true);
      }
      spooled_.fetch_add(untried_, std::memory_order_relaxed);  // they wait for the next run
      untried_ = 0;
      queued_.store(0, std::memory_order_relaxed);
      return;
    }
    if (!spool_.empty()) {
      if (finishing || steady_seconds() >= retry_at) {
        if (!deliver_spooled()) {
          retry_at = steady_seconds() + pause_s_;
        }
      }
      continue;
    }
    if (ready.empty()) {
      if (finishing) {
        return;  // everything went
      }
      continue;
    }
    // Only a bucket larger than the spool's whole bound is here: it goes from memory.
    size_t done = 0;
    if (!deliver(ready.front(), done)) {
      spool(ready.front(), true);
      retry_at = steady_seconds() + pause_s_;
    }
    ready.pop_front();
    queued_.store(ready.size(), std::memory_order_relaxed);
  }
}

bool clickhouse_exporter::deliver_spooled() {
  bucket_batch head;
  if (const std::string damaged = spool_.front(head); !damaged.empty()) {
    std::fprintf(stderr, "scanscope: %s\n", damaged.c_str());
    head_done_ = 0;
    untried_ = std::min<uint64_t>(untried_, spool_.size());
    mirror_spool();
    return true;
  }
  // Buckets that closed together (an offline replay closes many a second) go in one INSERT
  // per table: fewer requests, and fewer parts for the server to merge. A bucket part of
  // which went already goes alone, from the table where it stopped.
  std::vector<bucket_batch> group;
  uint64_t group_bytes = head.bytes();
  group.push_back(std::move(head));
  for (size_t i = 1; head_done_ == 0 && i < spool_.size(); ++i) {
    bucket_batch next;
    if (!spool_.peek(i, next).empty() || group_bytes + next.bytes() > max_group_bytes) {
      break;
    }
    group_bytes += next.bytes();
    group.push_back(std::move(next));
  }
  const bool ok = group.size() == 1 ? deliver(group.front(), head_done_) : deliver_group(group);
  if (!ok) {
    // Every bucket written ahead now waits because of the server.
    spooled_.fetch_add(untried_, std::memory_order_relaxed);
    untried_ = 0;
    return false;
  }
  for (size_t i = 0; i < group.size(); ++i) {
    spool_.pop();
  }
  head_done_ = 0;
  untried_ = std::min<uint64_t>(untried_, spool_.size());
  mirror_spool();
  return true;
}

bool clickhouse_exporter::deliver_group(const std::vector<bucket_batch>& group) {
  if (group.size() == 1) {
    size_t done = 0;
    return deliver(group.front(), done);
  }
  bucket_batch joined;
  joined.tables = group.front().tables;
  // By name: a bucket spooled by an older version may lack a table a newer one has.
  for (size_t i = 1; i < group.size(); ++i) {
    for (const table_rows& t : group[i].tables) {
      auto same = std::find_if(joined.tables.begin(), joined.tables.end(),
                               [&](const table_rows& j) { return j.table == t.table; });
      if (same == joined.tables.end()) {
        joined.tables.push_back(t);
      } else {
        same->rows += t.rows;
        same->body += t.body;
      }
    }
  }
  size_t done = 0;
  if (!deliver(joined, done)) {
    return false;
  }
  // deliver() counted the group as one bucket.
  delivered_.fetch_add(group.size() - 1, std::memory_order_relaxed);
  return true;
}

fleet_delivery clickhouse_exporter::snapshot() const {
  fleet_delivery d;
  d.enabled = true;
  d.target = settings_.url.shown;
  d.sensor = settings_.sensor;
  d.buckets_delivered = delivered_.load(std::memory_order_relaxed);
  d.rows_delivered = rows_.load(std::memory_order_relaxed);
  d.retries = retries_.load(std::memory_order_relaxed);
  d.rejected = rejected_.load(std::memory_order_relaxed);
  d.buckets_spooled = spooled_.load(std::memory_order_relaxed);
  d.buckets_dropped = dropped_.load(std::memory_order_relaxed);
  d.buckets_damaged = damaged_.load(std::memory_order_relaxed);
  d.spool_buckets = spool_buckets_.load(std::memory_order_relaxed);
  d.spool_bytes = spool_bytes_.load(std::memory_order_relaxed);
  const double oldest = spool_oldest_.load(std::memory_order_relaxed);
  d.spool_oldest_seconds = oldest > 0 ? std::max(0.0, wall_seconds() - oldest) : 0;
  d.queued = queued_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  d.last_error = last_error_;
  return d;
}

}  // namespace scanscope
