#pragma once
/**
 * @file
 * Reading a whole file (rules, scenarios, caches) into memory, and naming one to write.
 */

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace scanscope {

/**
 * A name beside `path` for writing it whole before renaming it into place, this writer's own:
 * two processes writing the same entry of a shared folder (sensors in containers may both be
 * PID 1) never write into one file.
 */
inline std::string private_temporary(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

/** The bytes of the file at `path`, or nothing when it cannot be opened. */
inline std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/**
 * `parse(text)` of the file at `path`; a file that cannot be opened sets `error` to
 * "cannot read WHAT 'PATH': REASON" (the system's, e.g. "No such file or directory") and gives
 * an empty result (nullopt, nullptr).
 */
template <class Parse>
auto parse_file(const std::string& path, const char* what, std::string& error, Parse&& parse)
    -> decltype(parse(std::string())) {
  errno = 0;
  const std::optional<std::string> text = read_file(path);
  if (!text) {
    const int reason = errno;
    error = std::string("cannot read ") + what + " '" + path + "'" +
            (reason != 0 ? std::string(": ") + std::strerror(reason) : std::string());
    return {};
  }
  return parse(*text);
}

}  // namespace scanscope
