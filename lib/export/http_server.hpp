#pragma once
/**
 * @file
 * A small HTTP/1.1 server for the stats side (Boost.Beast on its own thread, never on an RX
 * lcore): GET and HEAD only, bounded connections, request size and time per request. What it
 * serves comes from a handler; the handler must be safe to call from the server's thread.
 */

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace scanscope {

struct http_limits {
  /** At the limit, the connection waiting longest for its request is closed to make room (a
   *  slow client cannot keep a scrape out); when all are answering, the newcomer (counted). */
  unsigned max_connections = 64;
  size_t max_request_bytes = 8192; /**< header fields and the blank line after them (the request
                                      line not counted: Beast's header limit); more: 431 */
  std::chrono::seconds timeout{5}; /**< to read a request and write the answer */
};

struct http_response {
  unsigned status = 200; /**< HTTP status code */
  std::string content_type = "text/plain; charset=utf-8";
  std::string body; /**< what to send */
};

/** Answers GET `target` (path and query). */
using http_handler = std::function<http_response(const std::string& target)>;

class http_server {
 public:
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /**
   * Listen on `address:port` (port 0: any free port) and serve on a thread of its own.
   * @return nullptr with `error` naming the address and the reason
   */
  static std::unique_ptr<http_server> start(const std::string& address, uint16_t port,
                                            http_handler handler, http_limits limits,
                                            std::string& error);

  /** The port it listens on. */
  uint16_t port() const;
  /** Connections closed because max_connections were open: the newcomer, or the oldest one
   *  still reading its request, closed to make room for it. */
  uint64_t refused() const;

  struct impl;

 private:
  explicit http_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/** Split "ADDRESS:PORT" ("127.0.0.1:9477", "[::1]:9477"); false when it is not that. */
bool parse_listen_address(const std::string& text, std::string& address, uint16_t& port);

}  // namespace scanscope
