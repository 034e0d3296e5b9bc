#pragma once
/**
 * @file
 * HTTP/1.x requests as the emulated servers read them: the request line, the headers the
 * framing needs (Content-Length, Transfer-Encoding, Connection) and the body. A request must be
 * whole within `max_bytes`; chunked bodies are refused (no scanner scanscope knows sends one).
 */

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace scanscope {

enum class http_read {
  complete,   /**< a whole request is at the start of the bytes */
  incomplete, /**< more bytes are needed */
  malformed,  /**< not HTTP/1.x, or framing it cannot trust */
  too_large,  /**< the request would not fit in max_bytes */
};

struct http_request {
  std::string_view method;
  std::string_view target;
  std::string_view body;
  bool keep_alive = true; /**< HTTP/1.1 unless "Connection: close"; 1.0 only with keep-alive */
  size_t length = 0;      /**< bytes of the whole request, headers and body */
};

/** Read the request at the start of `data`. */
http_read read_http_request(const uint8_t* data, size_t length, size_t max_bytes,
                            http_request& out);

}  // namespace scanscope
