#include "export/series_files.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "export/summary_table.hpp"
#include "fingerprint/scan_tool.hpp"

namespace scanscope {

namespace {

const char* kind_name(series_key::kind k) {
  switch (k) {
    case series_key::kind::cluster:
      return "cluster";
    case series_key::kind::signature:
      return "signature";
    case series_key::kind::tool:
      return "tool";
    case series_key::kind::fingerprint:
      return "fingerprint";
    case series_key::kind::actor:
      return "actor";
    case series_key::kind::port:
      break;
  }
  return "port";
}

/** Append text to a file; the header goes first when the file is new. */
std::string append_to(const std::string& path, const std::string& header, const std::string& text) {
  const bool fresh = !std::filesystem::exists(path);
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return "cannot append to '" + path + "': " + std::strerror(errno);
  }
  bool ok = true;
  if (fresh && !header.empty()) {
    ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
  }
  ok = ok && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (std::fclose(f) == 0) && ok;
  return ok ? std::string() : "cannot write '" + path + "': " + std::strerror(errno);
}

}  // namespace

series_files::series_files(std::string dir, series_names names, uint64_t bucket_ns)
    : dir_(std::move(dir)), names_(std::move(names)), bucket_ns_(bucket_ns) {
  std::error_code ignored;
  std::filesystem::create_directories(dir_, ignored);
}

std::string series_files::append(int64_t bucket, const std::map<uint64_t, series_point>& points,
                                 bool partial) {
  const std::string start = format_utc(static_cast<uint64_t>(bucket) * bucket_ns_);
  const std::string day = start.substr(0, 10);
  std::string jsonl;
  std::string csv;
  for (const auto& [key, p] : points) {
    const uint16_t port_index = series_key::port_of(key);
    const auto kind = series_key::kind_of(key);
    const uint16_t dim = series_key::dim_of(key);
    const uint8_t country = series_key::country_of(key);
    std::string port = "other";
    std::string protocol = "any";
    if (port_index != watched_ports::other_index && port_index <= names_.ports->size()) {
      port = std::to_string(names_.ports->at(port_index).port);
      protocol = transport_name(names_.ports->at(port_index).proto);
    }
    std::string value;
    if (kind == series_key::kind::cluster && dim < names_.clusters.size()) {
      value = names_.clusters[dim];
    } else if (kind == series_key::kind::signature && dim < names_.signatures.size()) {
      value = names_.signatures[dim];
    } else if (kind == series_key::kind::tool && dim < scan_tool_count) {
      value = scan_tool_name(static_cast<scan_tool>(dim));
    } else if (kind == series_key::kind::actor && dim >= 1 && dim <= names_.actors.size()) {
      value = names_.actors[dim - 1];
    } else if (kind == series_key::kind::fingerprint) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%04x", dim);
      value = hex;
    }
    // Fingerprint and actor entries are per port, not per country.
    const std::string code = !series_key::has_country(kind) ? std::string()
                             : country < names_.countries.size()   ? names_.countries[country]
                                                                   : "ZZ";
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("start");
    w.String(start.c_str());
    w.Key("port");
    w.String(port.c_str());
    w.Key("protocol");
    w.String(protocol.c_str());
    w.Key("kind");
    w.String(kind_name(kind));
    w.Key("value");
    w.String(value.c_str());
    w.Key("country");
    w.String(code.c_str());
    w.Key("packets");
    w.Uint64(p.packets);
    w.Key("sources");
    w.Uint64(p.sources);
    w.Key("partial");
    w.Bool(partial);
    w.EndObject();
    jsonl.append(buffer.GetString(), buffer.GetSize());
    jsonl += '\n';
    // Names are labels (letters, digits, '-', '_', '.'): no CSV quoting needed.
    csv += start + "," + port + "," + protocol + "," + kind_name(kind) + "," + value + "," + code +
           "," + std::to_string(p.packets) + "," + std::to_string(p.sources) + "," +
           (partial ? "true" : "false") + "\n";
    ++lines_;
  }
  const std::string base = dir_ + "/scanscope-" + day;
  std::string error = append_to(base + ".jsonl", "", jsonl);
  if (error.empty()) {
    error = append_to(base + ".csv",
                      "start,port,protocol,kind,value,country,packets,sources,partial\n", csv);
  }
  if (!error.empty() && write_errors_++ == 0) {
    first_error_ = error;
  }
  return error;
}

}  // namespace scanscope
