#include "runtime/input_checks.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "export/http_server.hpp"
#include "pipeline/offline_feeder.hpp"

namespace scanscope {

namespace {

/** "option 'NAME': 'PATH' does not exist" for a file option that names a missing file. */
std::string missing_file(const char* option, const std::string& path) {
  if (path.empty() || path == "none") {
    return {};
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return std::string("option '") + option + "': '" + path + "' does not exist";
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return std::string("option '") + option + "': cannot read '" + path +
           "': " + std::strerror(errno);
  }
  return {};
}

/** Create `path` (and remove it again) to learn whether it can be written. */
std::string try_write(const char* option, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return std::string("option '") + option + "': cannot write '" + path +
           "': " + std::strerror(errno);
  }
  std::fclose(f);
  std::remove(path.c_str());
  return {};
}

}  // namespace

std::string check_named_paths(const app_options& o) {
  for (const auto& [option, path] : {std::pair<const char*, std::string>{"geo-db", o.geo_db},
                                     {"clusters", o.clusters},
                                     {"signatures", o.signatures}}) {
    if (std::string e = missing_file(option, path); !e.empty()) {
      return e;
    }
  }
  if (o.http != "none") {
    std::string address;
    uint16_t port = 0;
    if (!parse_listen_address(o.http, address, port)) {
      return "option 'http': '" + o.http + "' is not ADDRESS:PORT (e.g. 127.0.0.1:9477)";
    }
  }
  if (!o.series_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.series_dir, ec);
    if (ec) {
      return "option 'series-dir': cannot create '" + o.series_dir + "': " + ec.message();
    }
    const std::string probe =
        o.series_dir + "/.scanscope-write-check-" + std::to_string(::getpid());
    if (std::string e = try_write("series-dir", probe); !e.empty()) {
      return e;
    }
  }
  if (!o.json_out.empty()) {
    // The report is written to FILE.tmp and renamed.
    if (std::string e = try_write("json-out", o.json_out + ".tmp"); !e.empty()) {
      return e;
    }
  }
  return {};
}

capture_check check_captures(const std::vector<std::string>& pcaps) {
  capture_check out;
  for (const std::string& path : pcaps) {
    std::string error;
    if (offline_feeder::open(path, error)) {
      out.readable.push_back(path);
    } else {
      out.problems.push_back(error);
    }
  }
  return out;
}

}  // namespace scanscope
