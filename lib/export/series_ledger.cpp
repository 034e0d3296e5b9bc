#include "export/series_ledger.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "export/summary_table.hpp"

namespace scanscope {

namespace {

namespace fs = std::filesystem;

/** A file's size, 0 when it does not exist. */
uint64_t size_of(const std::string& path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  return ec ? 0 : static_cast<uint64_t>(n);
}

/** Cut `path` back to `bytes`; a file that did not exist then is removed. Only a regular
 *  file: anything else in its place was never written by us. */
std::string cut_file(const std::string& path, uint64_t bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return {};
  }
  if (bytes == 0) {
    fs::remove(path, ec);
  } else if (size_of(path) > bytes) {
    fs::resize_file(path, bytes, ec);
  }
  return ec ? "cannot cut '" + path + "' back to " + std::to_string(bytes) + " bytes: " +
                  ec.message()
            : std::string();
}

/** One parsed line of the record. */
struct record_line {
  std::string event;
  std::string input;
  int64_t start_s = 0;
  std::string day;
  uint64_t jsonl = 0;
  uint64_t csv = 0;
  uint64_t lines = 0;
  int partial = 0;
};

bool parse_line(const std::string& text, record_line& r) {
  std::istringstream in(text);
  if (!(in >> r.event >> r.input >> r.start_s)) {
    return false;
  }
  if (r.event == "begin") {
    return static_cast<bool>(in >> r.day >> r.jsonl >> r.csv);
  }
  if (r.event == "end") {
    if (!(in >> r.lines)) {
      return false;
    }
    in >> r.partial;  // absent in the record's first form: whole
    return r.partial == 0 || r.partial == 1;
  }
  return r.event == "undone";
}

}  // namespace

series_ledger::series_ledger(std::string dir, std::string input, uint64_t bucket_ns)
    : dir_(std::move(dir)),
      path_(dir_ + "/written-buckets"),
      input_(std::move(input)),
      bucket_ns_(bucket_ns) {}

series_ledger::~series_ledger() {
  if (out_ != nullptr) {
    std::fclose(out_);
  }
}

std::string series_ledger::day_base(const std::string& dir, const std::string& day) {
  return dir + "/scanscope-" + day;
}

std::string series_ledger::open() {
  std::error_code ignored;
  fs::create_directories(dir_, ignored);  // a failure is named by the fopen below
  std::string all;
  {
    std::ifstream in(path_, std::ios::binary);
    all.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // Only whole lines count: a last line without its newline was torn by a crash (a torn `end`
  // may even read as another bucket's), so it is left out and the next line starts afresh.
  const size_t whole = all.rfind('\n') == std::string::npos ? 0 : all.rfind('\n') + 1;
  if (whole < all.size()) {
    // Cut the torn line off, so the record holds whole lines only from here on.
    std::error_code ec;
    fs::resize_file(path_, whole, ec);
    if (ec) {
      return "cannot cut the torn last line off '" + path_ + "': " + ec.message();
    }
  }
  std::istringstream in(all.substr(0, whole));
  std::string text;
  size_t number = 0;
  bool last_open = false;  // the last whole line is a begin with nothing after it
  record_line pending;
  while (std::getline(in, text)) {
    ++number;
    record_line r;
    if (!parse_line(text, r)) {
      return path_ + ":" + std::to_string(number) +
             ": not a line of the written-buckets record (move the file aside to start a new "
             "record: reruns then write their buckets again)";
    }
    last_open = r.event == "begin";
    if (last_open) {
      pending = r;
    } else if (r.event == "end") {
      const int64_t bucket = bucket_of(r.start_s);
      if (r.input == input_ && input_ != "live") {  // a live run is never recognised
        if (r.partial != 0) {
          partial_.insert(bucket);
        } else {
          done_.insert(bucket);
          partial_.erase(bucket);  // a rerun completed it
          if (r.lines != 0) {
            done_lines_.insert(bucket);
          }
        }
      }
      if (r.lines != 0) {
        with_lines_.insert(bucket);
      }
    } else if (r.event == "undone") {
      // Its lines were taken back: none are due in the files (another input's may be).
      with_lines_.erase(bucket_of(r.start_s));
    }
  }
  out_ = std::fopen(path_.c_str(), "a");
  if (out_ == nullptr) {
    return "cannot append to '" + path_ + "': " + std::strerror(errno);
  }
  if (!last_open) {
    return {};
  }
  if (std::string e = cut_back(pending.day, pending.jsonl, pending.csv); !e.empty()) {
    return e;
  }
  repaired_ = "the write of bucket " +
              format_utc(static_cast<uint64_t>(pending.start_s) * 1000000000ULL) +
              " was cut short (a crash or a full disk); its lines were taken back from " +
              day_base(dir_, pending.day) + ".jsonl and .csv";
  return put("undone " + pending.input + " " + std::to_string(pending.start_s));
}

int64_t series_ledger::bucket_of(int64_t start_s) const {
  return static_cast<int64_t>(static_cast<uint64_t>(start_s) * 1000000000ULL / bucket_ns_);
}

int64_t series_ledger::start_of(int64_t bucket) const {
  return static_cast<int64_t>(static_cast<uint64_t>(bucket) * bucket_ns_ / 1000000000ULL);
}

std::string series_ledger::put(const std::string& line) {
  if (std::fputs((line + "\n").c_str(), out_) < 0 || std::fflush(out_) != 0) {
    return "cannot write '" + path_ + "': " + std::strerror(errno);
  }
  return {};
}

std::string series_ledger::cut_back(const std::string& day, uint64_t jsonl_bytes,
                                    uint64_t csv_bytes) {
  const std::string base = day_base(dir_, day);
  std::string e = cut_file(base + ".jsonl", jsonl_bytes);
  if (e.empty()) {
    e = cut_file(base + ".csv", csv_bytes);
  }
  return e;
}

std::string series_ledger::begin(int64_t bucket, const std::string& day) {
  const std::string base = day_base(dir_, day);
  open_day_ = day;
  open_jsonl_ = size_of(base + ".jsonl");
  open_csv_ = size_of(base + ".csv");
  return put("begin " + input_ + " " + std::to_string(start_of(bucket)) + " " + day + " " +
             std::to_string(open_jsonl_) + " " + std::to_string(open_csv_));
}

std::string series_ledger::end(int64_t bucket, uint64_t lines, bool partial) {
  return put("end " + input_ + " " + std::to_string(start_of(bucket)) + " " +
             std::to_string(lines) + (partial ? " 1" : " 0"));
}

std::string series_ledger::forget(const std::set<int64_t>& buckets) {
  std::string error;
  for (int64_t b : buckets) {
    done_.erase(b);
    done_lines_.erase(b);
    partial_.erase(b);
    with_lines_.erase(b);
    if (std::string e = put("undone " + input_ + " " + std::to_string(start_of(b)));
        error.empty()) {
      error = e;
    }
  }
  return error;
}

std::set<int64_t> series_ledger::buckets_with_lines(int64_t first) const {
  return {with_lines_.lower_bound(first), with_lines_.end()};
}

std::string series_ledger::undo(int64_t bucket) {
  std::string e = cut_back(open_day_, open_jsonl_, open_csv_);
  const std::string put_error = put("undone " + input_ + " " + std::to_string(start_of(bucket)));
  return e.empty() ? put_error : e;
}

}  // namespace scanscope
