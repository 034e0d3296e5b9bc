#include "export/series_files.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/json_fields.hpp"
#include "export/summary_table.hpp"
#include "export/value_words.hpp"
#include "fingerprint/scan_tool.hpp"

namespace scanscope {

namespace {

/** Whether a file's last byte is not a newline: a write cut short (a full disk, a crash). */
bool ends_torn(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return false;
  }
  bool torn = false;
  if (std::fseek(f, -1, SEEK_END) == 0) {
    torn = std::fgetc(f) != '\n';
  }
  std::fclose(f);
  return torn;
}

/** Append text to a file; the header goes first when the file is new. A torn last line gets its
 *  newline first, so it stays one bad line and does not swallow the first new one. */
std::string append_to(const std::string& path, const std::string& header, const std::string& text) {
  const bool fresh = !std::filesystem::exists(path);
  const bool torn = !fresh && ends_torn(path);
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return "cannot append to '" + path + "': " + std::strerror(errno);
  }
  bool ok = true;
  if (fresh && !header.empty()) {
    ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
  }
  if (torn) {
    ok = ok && std::fputc('\n', f) == '\n';
  }
  ok = ok && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (std::fclose(f) == 0) && ok;
  return ok ? std::string() : "cannot write '" + path + "': " + std::strerror(errno);
}

}  // namespace

std::string series_csv_line(const std::string& start, const series_labels& l, uint64_t packets,
                            uint64_t sources, bool partial) {
  // Names are labels (letters, digits, '-', '_', '.'): no CSV quoting needed.
  return start + "," + l.port + "," + l.protocol + "," + l.kind + "," + l.value + "," +
         l.country + "," + std::to_string(packets) + "," + std::to_string(sources) + "," +
         (partial ? "true" : "false") + "\n";
}

series_labels label_series_key(const series_names& names, uint64_t key) {
  series_labels l;
  const uint16_t port_index = series_key::port_of(key);
  const auto kind = series_key::kind_of(key);
  const uint8_t country = series_key::country_of(key);
  if (port_index != watched_ports::other_index && port_index <= names.ports->size()) {
    l.port = std::to_string(names.ports->at(port_index).port);
    l.protocol = transport_name(names.ports->at(port_index).proto);
  }
  l.kind = dimension_of(kind).name;
  l.value = value_words(names, kind, port_index, series_key::dim_of(key));
  // Per-port kinds (fingerprint, actor, AS) have no country.
  if (series_key::has_country(kind)) {
    l.country = names.country(country);
  }
  return l;
}

series_files::series_files(std::string dir, series_names names, uint64_t bucket_ns)
    : dir_(std::move(dir)), names_(std::move(names)), bucket_ns_(bucket_ns) {
  std::error_code ignored;
  std::filesystem::create_directories(dir_, ignored);
}

std::string series_files::append(int64_t bucket, const std::map<uint64_t, series_point>& points,
                                 bool partial) {
  if (ledger_ && skip_written_ && ledger_->written(bucket)) {
    ++written_before_;
    return {};
  }
  const std::string start = format_utc(static_cast<uint64_t>(bucket) * bucket_ns_);
  const std::string day = start.substr(0, 10);
  std::string jsonl;
  std::string csv;
  for (const auto& [key, p] : points) {
    const series_labels l = label_series_key(names_, key);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    put_string(w, "start", start.c_str());
    put_string(w, "port", l.port.c_str());
    put_string(w, "protocol", l.protocol.c_str());
    put_string(w, "kind", l.kind.c_str());
    put_string(w, "value", l.value.c_str());
    put_string(w, "country", l.country.c_str());
    put_packets_sources(w, p.packets, p.sources);
    put_bool(w, "partial", partial);
    if (ledger_) {
      put_string(w, "input", ledger_->input().c_str());  // which run's lines: a rerun's filter
    }
    w.EndObject();
    jsonl.append(buffer.GetString(), buffer.GetSize());
    jsonl += '\n';
    csv += series_csv_line(start, l, p.packets, p.sources, partial);
  }
  const std::string base = series_ledger::day_base(dir_, day);
  std::string error = ledger_ ? ledger_->begin(bucket, day) : std::string();
  if (error.empty()) {
    error = append_to(base + ".jsonl", "", jsonl);
  }
  if (error.empty()) {
    error = append_to(base + ".csv",
                      "start,port,protocol,kind,value,country,packets,sources,partial\n", csv);
  }
  if (ledger_) {
    // Whole or not at all: a failed write takes back what reached the files.
    const std::string closing =
        error.empty() ? ledger_->end(bucket, points.size(), partial) : ledger_->undo(bucket);
    if (error.empty()) {
      error = closing;
    }
  }
  if (error.empty()) {
    lines_ += points.size();  // only lines that reached the file
  } else if (write_errors_++ == 0) {
    first_error_ = error;
  }
  return error;
}

}  // namespace scanscope
