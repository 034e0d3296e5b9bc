#include "export/series_readback.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/text.hpp"
#include "fingerprint/scan_technique.hpp"
#include "fingerprint/scan_tool.hpp"

namespace scanscope {

namespace {

/** "2018-12-03T20:00:00.000Z" → nanoseconds since the epoch; false when malformed. */
bool parse_utc(const char* text, uint64_t& ns) {
  std::tm tm{};
  const char* rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) {
    return false;
  }
  const time_t seconds = timegm(&tm);
  if (seconds < 0) {
    return false;
  }
  ns = static_cast<uint64_t>(seconds) * 1000000000ULL;
  return true;
}

/** Name → index lookups for one run's names. */
struct name_index {
  explicit name_index(const series_names& n) : names(n) {
    for (size_t i = 0; i < n.clusters.size(); ++i) {
      clusters.emplace(n.clusters[i], static_cast<uint16_t>(i));
    }
    for (size_t i = 0; i < n.signatures.size(); ++i) {
      signatures.emplace(n.signatures[i], static_cast<uint16_t>(i));
    }
    for (size_t i = 0; i < n.countries.size(); ++i) {
      countries.emplace(n.countries[i], static_cast<uint8_t>(i));
    }
    for (size_t i = 0; i < n.actors.size(); ++i) {
      actors.emplace(n.actors[i], static_cast<uint16_t>(i + 1));
    }
  }

  /** The series key a line names; else why not (something unknown now). */
  std::string key_of(const rapidjson::Value& line, uint64_t& key) const {
    const std::string port = line["port"].GetString();
    const std::string protocol = line["protocol"].GetString();
    const std::string kind = line["kind"].GetString();
    const std::string value = line["value"].GetString();
    const std::string country = line["country"].GetString();
    uint16_t port_index = watched_ports::other_index;
    if (port != "other") {
      const long number = std::strtol(port.c_str(), nullptr, 10);
      const transport t = protocol == "udp" ? transport::udp : transport::tcp;
      if (number <= 0 || number > 65535 ||
          (port_index = names.ports->index(t, static_cast<uint16_t>(number))) ==
              watched_ports::other_index) {
        return "port " + port + "/" + protocol + " is not watched now";
      }
    }
    const series_dimension* d = dimension_named(kind);
    if (d == nullptr) {
      return "kind '" + kind + "' is unknown";
    }
    uint8_t country_index = 0;
    if (d->per_country) {
      const auto c = countries.find(country);
      if (c == countries.end()) {
        return "country '" + country + "' is not in the location database";
      }
      country_index = c->second;
    }
    uint32_t dim = series_key::all;
    if (std::string why = value_of(*d, value, dim); !why.empty()) {
      return why;
    }
    key = series_key::make(d->kind, port_index, dim, country_index);
    return {};
  }

  /** A line's value as the index or number its kind counts by; else why not. */
  std::string value_of(const series_dimension& d, const std::string& value, uint32_t& dim) const {
    const name_map* by_name = d.form == value_form::cluster ? &clusters
                              : d.form == value_form::rule  ? &signatures
                              : d.form == value_form::actor ? &actors
                                                            : nullptr;
    if (by_name != nullptr) {
      const auto it = by_name->find(value);
      if (it == by_name->end()) {
        return std::string(d.name) + " '" + value + "' is not in the rules now";
      }
      dim = it->second;
      return {};
    }
    char* end = nullptr;
    switch (d.form) {
      case value_form::tool: {
        scan_tool tool;
        if (!scan_tool_from_name(value.data(), value.size(), tool)) {
          return "tool '" + value + "' is unknown";
        }
        dim = static_cast<uint32_t>(tool);
        return {};
      }
      case value_form::fingerprint: {
        const unsigned long v = std::strtoul(value.c_str(), &end, 16);
        if (value.size() != 4 || *end != '\0' || v > 0xFFFF) {
          return "fingerprint '" + value + "' is not 4 hex digits";
        }
        dim = static_cast<uint32_t>(v);
        return {};
      }
      case value_form::conversation_step: {
        conversation_stage stage;
        if (!named_in(conversation_stage_names, value, stage)) {
          return "conversation stage '" + value + "' is unknown";
        }
        dim = static_cast<uint32_t>(stage);
        return {};
      }
      case value_form::technique: {
        scan_technique technique;
        if (!scan_technique_from_name(value, technique)) {
          return "technique '" + value + "' is unknown";
        }
        dim = static_cast<uint32_t>(technique);
        return {};
      }
      case value_form::as_number: {
        if (!parse_as_number(value, dim)) {
          return "AS '" + value + "' is not an AS number";
        }
        return {};
      }
      default:
        return {};  // none: the port's own entries
    }
  }

  using name_map = std::unordered_map<std::string, uint16_t>;
  const series_names& names;
  name_map clusters, signatures, actors;
  std::unordered_map<std::string, uint8_t> countries;
};

bool is_series_line(const rapidjson::Document& d) {
  if (!d.IsObject()) {
    return false;
  }
  for (const char* k : {"start", "port", "protocol", "kind", "value", "country"}) {
    if (!d.HasMember(k) || !d[k].IsString()) {
      return false;
    }
  }
  for (const char* k : {"packets", "sources"}) {
    if (!d.HasMember(k) || !d[k].IsUint64()) {
      return false;
    }
  }
  return d.HasMember("partial") && d["partial"].IsBool();
}

/** The folder's JSON Lines day files, oldest first (one file per UTC day: names sort by time). */
std::string day_files(const std::string& dir, std::vector<std::string>& paths) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("scanscope-", 0) == 0 && entry.path().extension() == ".jsonl") {
      paths.push_back(entry.path().string());
    }
  }
  if (ec) {
    return "cannot list '" + dir + "': " + ec.message();
  }
  std::sort(paths.begin(), paths.end());
  return {};
}

/** Whether a line is one a rerun counts again: its input's, of a bucket it finished. */
bool is_recounted(const recount_filter* recounted, const rapidjson::Document& d, int64_t bucket) {
  return recounted != nullptr && d.HasMember("input") && d["input"].IsString() &&
         recounted->input == d["input"].GetString() && recounted->buckets->count(bucket) != 0;
}

}  // namespace

series_readback read_series_files(const std::string& dir, const series_names& names,
                                  uint64_t bucket_ns, size_t retention, uint64_t not_after_ns,
                                  const recount_filter* recounted) {
  // More than 100 million packets a second for a whole bucket on one key: no port of any sensor
  // carries that (10 GbE line rate is 14.88 M); such a count is damage, not traffic.
  const uint64_t most_packets = 100000000ULL * (bucket_ns / 1000000000ULL);
  series_readback out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return out;
  }
  std::vector<std::string> paths;
  if (out.error = day_files(dir, paths); !out.error.empty()) {
    return out;
  }
  const name_index index(names);
  std::map<int64_t, bool> partial;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) {
      out.error = "cannot read '" + path + "': " + std::strerror(errno);
      return out;
    }
    ++out.files;
    std::string text;
    for (size_t number = 1; std::getline(in, text); ++number) {
      auto problem = [&](uint64_t& count, const std::string& why) {
        ++count;
        if (out.first_problem.empty()) {
          out.first_problem = path + ":" + std::to_string(number) + ": " + why;
        }
      };
      rapidjson::Document d;
      d.Parse(text.c_str(), text.size());
      uint64_t start_ns = 0;
      if (d.HasParseError() || !is_series_line(d) || !parse_utc(d["start"].GetString(), start_ns)) {
        problem(out.malformed, "not a series line");
        continue;
      }
      if (start_ns % bucket_ns != 0) {
        out.error = path + ":" + std::to_string(number) + ": bucket start " +
                    d["start"].GetString() + " is not a multiple of the bucket width (" +
                    std::to_string(bucket_ns / 1000000000ULL) +
                    " s): the folder was written with another --bucket; use another --series-dir";
        return out;
      }
      const auto bucket = static_cast<int64_t>(start_ns / bucket_ns);
      if (is_recounted(recounted, d, bucket)) {
        ++out.recounted;
        out.recounted_buckets.insert(bucket);
        continue;
      }
      const uint64_t packets = d["packets"].GetUint64();
      const uint64_t sources = d["sources"].GetUint64();
      const auto set_aside = [&](const std::string& why) {
        ++out.set_aside;
        if (out.first_set_aside.empty()) {
          out.first_set_aside = path + ":" + std::to_string(number) + ": " + why;
        }
      };
      if (start_ns > not_after_ns) {
        set_aside(std::string("bucket ") + d["start"].GetString() +
                  " starts after the input does (a clock that jumped ahead?)");
        continue;
      }
      if (packets > most_packets || sources > packets) {
        set_aside(std::to_string(packets) + " packets from " + std::to_string(sources) +
                  " sources in one bucket: not counts a sensor can reach");
        continue;
      }
      uint64_t key = 0;
      if (const std::string why = index.key_of(d, key); !why.empty()) {
        problem(out.skipped, why);
        continue;
      }
      series_point& p = out.buckets[bucket][key];
      p.packets += packets;
      p.sources += sources;
      // A bucket is cut short when the last run to write it stopped inside it.
      partial[bucket] = d["partial"].GetBool();
      ++out.lines;
    }
  }
  while (out.buckets.size() > retention) {
    out.buckets.erase(out.buckets.begin());
  }
  out.partial_last = !out.buckets.empty() && partial[out.buckets.rbegin()->first];
  return out;
}

}  // namespace scanscope
