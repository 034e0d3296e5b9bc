#include "fleet/delivery_spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace scanscope {

namespace {

namespace fs = std::filesystem;

constexpr const char* magic = "scanscope-spool 1";

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/** The file's text: a header of lines, then each table's body of the length it gave. */
std::string serialize(const bucket_batch& b) {
  std::string out = std::string(magic) + "\n";
  out += "sensor " + tsv_escape(b.sensor) + "\n";
  out += "run " + std::to_string(b.run) + "\n";
  out += "bucket " + std::to_string(b.bucket) + "\n";
  out += "start " + std::to_string(b.start_s) + "\n";
  for (const table_rows& t : b.tables) {
    out += "table " + t.table + " " + std::to_string(t.rows) + " " + std::to_string(t.body.size()) +
           "\n";
    out += t.body;
  }
  out += "end\n";
  return out;
}

/** Parse serialize()'s text; empty on success, else what is wrong. */
std::string parse(const std::string& text, bucket_batch& b) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != magic) {
    return "not a spooled bucket (no '" + std::string(magic) + "' line)";
  }
  std::string word;
  in >> word;
  if (word != "sensor") {
    return "no sensor line";
  }
  in.get();
  std::getline(in, b.sensor);
  if (!(in >> word >> b.run) || word != "run" || !(in >> word >> b.bucket) || word != "bucket" ||
      !(in >> word >> b.start_s) || word != "start") {
    return "header cut short or damaged";
  }
  in.get();
  b.tables.clear();
  while (in >> word && word == "table") {
    table_rows t;
    uint64_t length = 0;
    if (!(in >> t.table >> t.rows >> length)) {
      return "table line damaged";
    }
    in.get();
    t.body.resize(length);
    if (!in.read(t.body.data(), static_cast<std::streamsize>(length))) {
      return "table '" + t.table + "' cut short";
    }
    b.tables.push_back(std::move(t));
  }
  if (word != "end") {
    return "no end line (cut short)";
  }
  return {};
}

}  // namespace

delivery_spool::delivery_spool(std::string dir, uint64_t max_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes) {}

std::string delivery_spool::path_of(uint64_t sequence) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016llu.batch", static_cast<unsigned long long>(sequence));
  return dir_ + "/" + name;
}

std::string delivery_spool::open() {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) {
    return "cannot create the spool folder '" + dir_ + "': " + error.message();
  }
  // A folder the sensor cannot write in would lose the first bucket an outage spools: say so
  // at start instead.
  if (::access(dir_.c_str(), W_OK | X_OK) != 0) {
    return "cannot write in the spool folder '" + dir_ + "': " + std::strerror(errno);
  }
  std::vector<entry> found;
  for (const fs::directory_entry& e : fs::directory_iterator(dir_, error)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".tmp") {
      fs::remove(e.path(), error);  // a write a crash cut short: never renamed, never counted
      continue;
    }
    if (e.path().extension() != ".batch") {
      continue;
    }
    char* end = nullptr;
    const unsigned long long sequence = std::strtoull(name.c_str(), &end, 10);
    if (end == name.c_str() || std::string(end) != ".batch") {
      continue;
    }
    const auto written = fs::last_write_time(e.path(), error);
    const double age = std::chrono::duration<double>(fs::file_time_type::clock::now() - written)
                           .count();
    found.push_back({sequence, static_cast<uint64_t>(e.file_size(error)), now_seconds() - age});
  }
  if (error) {
    return "cannot read the spool folder '" + dir_ + "': " + error.message();
  }
  std::sort(found.begin(), found.end(),
            [](const entry& a, const entry& b) { return a.sequence < b.sequence; });
  for (const entry& e : found) {
    entries_.push_back(e);
    bytes_ += e.bytes;
    next_sequence_ = e.sequence + 1;
  }
  return {};
}

void delivery_spool::drop_front() {
  std::error_code ignored;
  fs::remove(path_of(entries_.front().sequence), ignored);
  bytes_ -= entries_.front().bytes;
  entries_.pop_front();
}

std::string delivery_spool::push(const bucket_batch& b) {
  const std::string text = serialize(b);
  while (!entries_.empty() && bytes_ + text.size() > max_bytes_) {
    drop_front();
    ++dropped_;
  }
  const uint64_t sequence = next_sequence_++;
  const std::string path = path_of(sequence);
  const std::string temporary = path + ".tmp";
  // Written to a temporary name and renamed, so a crash never leaves half a bucket to send.
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  bool ok = fd >= 0;
  std::string why = ok ? "" : std::strerror(errno);
  size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      why = std::strerror(errno);
      ok = false;
    } else {
      done += static_cast<size_t>(n);
    }
  }
  if (ok && ::fsync(fd) != 0) {
    why = std::strerror(errno);
    ok = false;
  }
  if (fd >= 0) {
    ::close(fd);
  }
  if (ok && std::rename(temporary.c_str(), path.c_str()) != 0) {
    why = std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    ++dropped_;
    return "cannot spool bucket " + std::to_string(b.bucket) + " to '" + temporary + "': " + why;
  }
  entries_.push_back({sequence, text.size(), now_seconds()});
  bytes_ += text.size();
  return {};
}

std::string delivery_spool::peek(size_t i, bucket_batch& out) const {
  std::ifstream in(path_of(entries_.at(i).sequence), std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return in.bad() || (!in.is_open()) ? "cannot be read" : parse(text, out);
}

std::string delivery_spool::front(bucket_batch& out) {
  const std::string path = path_of(entries_.front().sequence);
  std::string why = peek(0, out);
  if (why.empty()) {
    return {};
  }
  std::error_code ignored;
  fs::rename(path, path + ".bad", ignored);
  bytes_ -= entries_.front().bytes;
  entries_.pop_front();
  ++damaged_;
  return "spooled bucket '" + path + "' set aside as .bad: " + why;
}

void delivery_spool::pop() {
  drop_front();
}

}  // namespace scanscope
