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

option_error check_named_paths(const app_options& o) {
  for (const auto& [option, path] : {std::pair<const char*, std::string>{"geo-db", o.geo_db},
                                     {"clusters", o.clusters},
                                     {"signatures", o.signatures},
                                     {"actors", o.conversation.actors}}) {
    if (std::string e = missing_file(option, path); !e.empty()) {
      return {option, e};
    }
  }
  if (o.http != "none") {
    std::string address;
    uint16_t port = 0;
    if (!parse_listen_address(o.http, address, port)) {
      return {"http", "option 'http': '" + o.http + "' is not ADDRESS:PORT (e.g. 127.0.0.1:9477)"};
    }
    // A run that will serve listens once now, with the server's own code, and lets go: a bad
    // address or a port in use is said before the slow start-up, not after the analysis.
    const bool serves = o.pcaps.empty() ? !o.list_ports : o.serve;
    std::string error;
    if (serves && !http_server::start(
                      address, port, [](const std::string&) { return http_response{}; },
                      http_limits{}, error)) {
      return {"http", "option 'http': " + error};
    }
  }
  if (!o.series_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.series_dir, ec);
    if (ec) {
      return {"series-dir",
              "option 'series-dir': cannot create '" + o.series_dir + "': " + ec.message()};
    }
    const std::string probe =
        o.series_dir + "/.scanscope-write-check-" + std::to_string(::getpid());
    if (std::string e = try_write("series-dir", probe); !e.empty()) {
      return {"series-dir", e};
    }
  }
  if (!o.json_out.empty()) {
    // The report is written to FILE.tmp and renamed.
    if (std::string e = try_write("json-out", o.json_out + ".tmp"); !e.empty()) {
      return {"json-out", e};
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
