#include "converse/http_request.hpp"

#include <algorithm>
#include <charconv>

namespace scanscope {

namespace {

bool is_token(std::string_view s) {
  if (s.empty() || s.size() > 16) {
    return false;
  }
  for (char c : s) {
    if (c < 'A' || c > 'Z') {
      return false;
    }
  }
  return true;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

http_read read_http_request(const uint8_t* data, size_t length, size_t max_bytes,
                            http_request& out) {
  const std::string_view all(reinterpret_cast<const char*>(data), length);
  const size_t end_of_headers = all.find("\r\n\r\n");
  if (end_of_headers == std::string_view::npos) {
    // A request line that is not HTTP can be told before the headers end: its method is a
    // few capital letters.
    const size_t space = all.find(' ');
    const std::string_view method = all.substr(0, std::min(space, all.size()));
    if ((space != std::string_view::npos && !is_token(method)) ||
        (space == std::string_view::npos && !method.empty() &&
         !is_token(method.substr(0, std::min<size_t>(method.size(), 16))))) {
      return http_read::malformed;
    }
    return length >= max_bytes ? http_read::too_large : http_read::incomplete;
  }
  const std::string_view head = all.substr(0, end_of_headers);
  const size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const size_t first = line.find(' ');
  const size_t last = line.rfind(' ');
  if (first == std::string_view::npos || last == first) {
    return http_read::malformed;
  }
  out.method = line.substr(0, first);
  out.target = line.substr(first + 1, last - first - 1);
  const std::string_view version = line.substr(last + 1);
  if (!is_token(out.method) || out.target.empty() ||
      (version != "HTTP/1.1" && version != "HTTP/1.0")) {
    return http_read::malformed;
  }
  out.keep_alive = version == "HTTP/1.1";
  bool has_length = false;
  size_t body_length = 0;
  size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (at < head.size()) {
    size_t next = head.find("\r\n", at);
    if (next == std::string_view::npos) {
      next = head.size();
    }
    const std::string_view header = head.substr(at, next - at);
    at = next + 2;
    const size_t colon = header.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return http_read::malformed;
    }
    const std::string_view name = header.substr(0, colon);
    const std::string_view value = trim_spaces(header.substr(colon + 1));
    if (equals_ignoring_case(name, "content-length")) {
      size_t n = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), n);
      // Two lengths that differ are how requests are smuggled: refuse them.
      if (error != std::errc() || end != value.data() + value.size() ||
          (has_length && n != body_length)) {
        return http_read::malformed;
      }
      has_length = true;
      body_length = n;
    } else if (equals_ignoring_case(name, "transfer-encoding")) {
      return http_read::malformed;
    } else if (equals_ignoring_case(name, "connection")) {
      if (equals_ignoring_case(value, "close")) {
        out.keep_alive = false;
      } else if (equals_ignoring_case(value, "keep-alive")) {
        out.keep_alive = true;
      }
    }
  }
  const size_t body_start = end_of_headers + 4;
  if (body_length > max_bytes || body_start + body_length > max_bytes) {
    return http_read::too_large;
  }
  if (body_start + body_length > length) {
    return http_read::incomplete;
  }
  out.body = all.substr(body_start, body_length);
  out.length = body_start + body_length;
  return http_read::complete;
}

}  // namespace scanscope
