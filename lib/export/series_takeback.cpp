// Taking a run's own lines back out of the series day files: an interrupted run over captures
// wrote its last bucket cut short, and a rerun of the same captures writes that bucket whole.
#include <rapidjson/document.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/file_text.hpp"
#include "export/series_files.hpp"
#include "export/series_ledger.hpp"
#include "export/summary_table.hpp"

namespace scanscope {

namespace {

/** Replace `path` with `text` (written beside it, then renamed). */
std::string rewrite(const std::string& path, const std::string& text) {
  const std::string temporary = private_temporary(path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      return "cannot write '" + temporary + "': " + std::strerror(errno);
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temporary.c_str());
    return "cannot replace '" + path + "': " + why;
  }
  return {};
}

/** The lines of one JSON Lines day file that `input` wrote for a bucket of `starts`, taken out;
 *  their CSV lines (text → count) added to `csv`. */
std::string take_from_jsonl(const std::string& path, const std::string& input,
                            const std::set<std::string>& starts,
                            std::map<std::string, uint64_t>& csv, uint64_t& removed) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {};  // a day file gone: nothing to take back
  }
  std::string kept;
  std::string line;
  uint64_t taken = 0;
  while (std::getline(in, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    const auto text = [&](const char* k) {
      return d.IsObject() && d.HasMember(k) && d[k].IsString() ? std::string(d[k].GetString())
                                                               : std::string();
    };
    const auto has = [&](const char* k) { return d.IsObject() && d.HasMember(k); };
    if (text("input") == input && starts.count(text("start")) && has("packets") &&
        d["packets"].IsUint64() && has("sources") && d["sources"].IsUint64() && has("partial") &&
        d["partial"].IsBool()) {
      series_labels l{text("port"), text("protocol"), text("kind"), text("value"), text("country")};
      ++csv[series_csv_line(text("start"), l, d["packets"].GetUint64(), d["sources"].GetUint64(),
                            d["partial"].GetBool())];
      ++taken;
      continue;
    }
    kept += line;
    kept += '\n';
  }
  if (taken == 0) {
    return {};
  }
  removed += taken;
  return rewrite(path, kept);
}

/** Take one line per count of `csv` out of a CSV day file (lines equal in text are equal in
 *  counts: which of two equal lines goes changes no sum). */
std::string take_from_csv(const std::string& path, std::map<std::string, uint64_t> csv) {
  std::ifstream in(path, std::ios::binary);
  if (!in || csv.empty()) {
    return {};
  }
  std::string kept;
  std::string line;
  while (std::getline(in, line)) {
    auto it = csv.find(line + "\n");
    if (it != csv.end() && it->second != 0) {
      --it->second;
      continue;
    }
    kept += line;
    kept += '\n';
  }
  return rewrite(path, kept);
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
    const std::string base = series_ledger::day_base(dir, day);
    std::map<std::string, uint64_t> csv;
    if (std::string e = take_from_jsonl(base + ".jsonl", input, starts, csv, removed);
        !e.empty()) {
      return e;
    }
    if (std::string e = take_from_csv(base + ".csv", std::move(csv)); !e.empty()) {
      return e;
    }
  }
  return {};
}

}  // namespace scanscope
