// Taking a run's own lines back out of the series day files: an interrupted run over captures
// wrote its last bucket cut short, and a rerun of the same captures writes that bucket whole.
#include <rapidjson/document.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "common/file_text.hpp"
#include "export/series_files.hpp"
#include "export/series_ledger.hpp"
#include "export/summary_table.hpp"

namespace scanscope {

namespace {

/** Replace `path` with `text`: written beside it, flushed to the disk, then renamed over it. */
std::string rewrite(const std::string& path, const std::string& text) {
  const std::string temporary = private_temporary(path);
  std::FILE* out = std::fopen(temporary.c_str(), "wb");
  bool ok = out != nullptr;
  std::string why = ok ? "" : std::strerror(errno);
  if (ok && (std::fwrite(text.data(), 1, text.size(), out) != text.size() ||
             std::fflush(out) != 0 || ::fsync(::fileno(out)) != 0)) {
    why = std::strerror(errno);
    ok = false;
  }
  if (out != nullptr && std::fclose(out) != 0 && ok) {
    why = std::strerror(errno);
    ok = false;
  }
  if (ok && std::rename(temporary.c_str(), path.c_str()) != 0) {
    why = std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    std::remove(temporary.c_str());
    return "cannot rewrite '" + path + "': " + why;
  }
  return {};
}

/** A day file's lines, or why it cannot be read; a file that is not there has none. */
std::string read_lines(const std::string& path, std::vector<std::string>& lines) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return "cannot read '" + path + "': " + std::strerror(errno);
  }
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
  }
  return {};
}

/** Which of a JSON Lines day file's lines `input` wrote for a bucket of `starts`; their CSV
 *  lines (text → count) added to `csv`. */
std::vector<bool> lines_of(const std::vector<std::string>& lines, const std::string& input,
                           const std::set<std::string>& starts,
                           std::map<std::string, uint64_t>& csv) {
  std::vector<bool> taken(lines.size(), false);
  for (size_t i = 0; i < lines.size(); ++i) {
    rapidjson::Document d;
    d.Parse(lines[i].c_str(), lines[i].size());
    const auto has = [&](const char* k) { return d.IsObject() && d.HasMember(k); };
    const auto text = [&](const char* k) {
      return has(k) && d[k].IsString() ? std::string(d[k].GetString()) : std::string();
    };
    if (text("input") != input || !starts.count(text("start")) || !has("packets") ||
        !d["packets"].IsUint64() || !has("sources") || !d["sources"].IsUint64() ||
        !has("partial") || !d["partial"].IsBool()) {
      continue;
    }
    series_labels l{text("port"), text("protocol"), text("kind"), text("value"), text("country")};
    ++csv[series_csv_line(text("start"), l, d["packets"].GetUint64(), d["sources"].GetUint64(),
                          d["partial"].GetBool())];
    taken[i] = true;
  }
  return taken;
}

/** `lines` less the taken ones, as a file's text. */
std::string kept_text(const std::vector<std::string>& lines, const std::vector<bool>& taken) {
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!taken[i]) {
      text += lines[i];
      text += '\n';
    }
  }
  return text;
}

/** One day's take-back. The CSV file goes first: a crash between the two leaves the JSON
 *  lines, and taking back again finds them and removes only the CSV lines still there. */
std::string take_back_day(const std::string& base, const std::string& input,
                          const std::set<std::string>& starts, uint64_t& removed) {
  std::vector<std::string> jsonl;
  if (std::string e = read_lines(base + ".jsonl", jsonl); !e.empty()) {
    return e;
  }
  std::map<std::string, uint64_t> csv_taken;
  const std::vector<bool> taken = lines_of(jsonl, input, starts, csv_taken);
  const auto count = static_cast<uint64_t>(std::count(taken.begin(), taken.end(), true));
  if (count == 0) {
    return {};
  }
  std::vector<std::string> csv;
  if (std::string e = read_lines(base + ".csv", csv); !e.empty()) {
    return e;
  }
  std::vector<bool> csv_gone(csv.size(), false);
  for (size_t i = 0; i < csv.size(); ++i) {
    // Lines equal in text are equal in counts: which of two equal lines goes changes no sum.
    auto it = csv_taken.find(csv[i] + "\n");
    if (it != csv_taken.end() && it->second != 0) {
      --it->second;
      csv_gone[i] = true;
    }
  }
  if (!csv.empty()) {
    if (std::string e = rewrite(base + ".csv", kept_text(csv, csv_gone)); !e.empty()) {
      return e;
    }
  }
  if (std::string e = rewrite(base + ".jsonl", kept_text(jsonl, taken)); !e.empty()) {
    return e;
  }
  removed += count;
  return {};
}

}  // namespace

std::string take_back_lines(const std::string& dir, const std::string& input,
                            const std::set<int64_t>& buckets, uint64_t bucket_ns,
                            uint64_t& removed) {
  std::map<std::string, std::set<std::string>> by_day;  // day → bucket starts
  for (int64_t b : buckets) {
    const std::string start = format_utc(static_cast<uint64_t>(b) * bucket_ns);
    by_day[start.substr(0, 10)].insert(start);
  }
  for (const auto& [day, starts] : by_day) {
    if (std::string e = take_back_day(series_ledger::day_base(dir, day), input, starts, removed);
        !e.empty()) {
      return e;
    }
  }
  return {};
}

}  // namespace scanscope
