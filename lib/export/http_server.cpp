#include "export/http_server.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <list>
#include <memory>
#include <thread>

namespace scanscope {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
class session;
}

struct http_server::impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  http_handler handler;
  http_limits limits;
  std::atomic<unsigned> open{0};
  std::atomic<uint64_t> refused{0};
  std::thread thread;
  /** Sessions still reading their request, oldest first (touched on the io thread only). */
  std::list<std::weak_ptr<session>> reading;

  void accept();
  /** Close the session that has waited longest for its request; false when none waits. */
  bool drop_oldest_reader();
};

namespace {

/** One connection: read one request within the limits, answer, close. */
class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, http_server::impl& server)
      : stream_(std::move(socket)), server_(server) {
    ++server_.open;
  }
  ~session() { --server_.open; }

  void run() {
    parser_.header_limit(static_cast<uint32_t>(server_.limits.max_request_bytes));
    parser_.body_limit(0);  // GET and HEAD carry no body
    stream_.expires_after(server_.limits.timeout);
    reading_at_ = server_.reading.insert(server_.reading.end(), weak_from_this());
    in_reading_ = true;
    http::async_read(
        stream_, buffer_, parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  /** The server took this session off its list of readers (to drop it). */
  void forget_reading_place() { in_reading_ = false; }

  /** Make room: the request has not come in time for others to wait behind it. */
  void drop() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  void on_read(beast::error_code ec) {
    if (in_reading_) {
      server_.reading.erase(reading_at_);
      in_reading_ = false;
    }
    if (ec == http::error::header_limit) {
      return answer(431, "request header fields too large\n", false);
    }
    if (ec == http::error::body_limit) {
      return answer(413, "request body not accepted\n", false);
    }
    if (ec) {
      return close();  // timeout, reset or malformed request: nothing sensible to answer
    }
    const auto& request = parser_.get();
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      return answer(405, "only GET and HEAD\n", false);
    }
    const http_response r = server_.handler(std::string(request.target()));
    response_.result(r.status);
    response_.set(http::field::content_type, r.content_type);
    response_.set(http::field::server, "scanscope");
    set_security_headers();
    response_.body() = request.method() == http::verb::head ? std::string() : r.body;
    response_.content_length(r.body.size());
    response_.keep_alive(false);
    write();
  }

  void answer(unsigned status, const char* text, bool) {
    response_.result(status);
    response_.set(http::field::content_type, "text/plain; charset=utf-8");
    set_security_headers();
    response_.body() = text;
    response_.prepare_payload();
    response_.keep_alive(false);
    write();
  }

  // The console's page may run only the sensor's own scripts (no inline script, no other
  // origin), load nothing from elsewhere, and not be framed; no answer is sniffed as another
  // type. Strings from traffic reach the page as text (lib/export/console/app.js).
  void set_security_headers() {
    response_.set("Content-Security-Policy",
                  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                  "connect-src 'self'; base-uri 'none'; form-action 'self'; "
                  "frame-ancestors 'none'");
    response_.set("X-Content-Type-Options", "nosniff");
    response_.set("Referrer-Policy", "no-referrer");
    response_.set(http::field::cache_control, "no-store");
  }

  void write() {
    stream_.expires_after(server_.limits.timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code, size_t) { self->close(); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  beast::tcp_stream stream_;
  http_server::impl& server_;
  std::list<std::weak_ptr<session>>::iterator reading_at_;
  bool in_reading_ = false;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

void http_server::impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) {
      return;
    }
    if (!ec) {
      // At the limit, the client that has held a place longest without finishing its request
      // gives it up: slow or idle clients cannot keep a scrape out (they are counted as
      // refused). Only when every place is busy answering is the newcomer refused.
      if (open.load() >= limits.max_connections && !drop_oldest_reader()) {
        ++refused;
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<session>(std::move(socket), *this)->run();
      }
    }
    accept();
  });
}

bool http_server::impl::drop_oldest_reader() {
  while (!reading.empty()) {
    const std::shared_ptr<session> oldest = reading.front().lock();
    reading.pop_front();
    if (oldest) {
      // Its read completes with an error and ends the session; the iterator it held is gone
      // from the list already, so it must not erase it again.
      oldest->forget_reading_place();
      oldest->drop();
      ++refused;
      return true;
    }
  }
  return false;
}

http_server::http_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

http_server::~http_server() {
  impl_->io.stop();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

std::unique_ptr<http_server> http_server::start(const std::string& address, uint16_t port,
                                                http_handler handler, http_limits limits,
                                                std::string& error) {
  auto p = std::make_unique<impl>();
  p->handler = std::move(handler);
  p->limits = limits;
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) {
    error = "'" + address + "' is not an IP address";
    return nullptr;
  }
  const tcp::endpoint endpoint(ip, port);
  p->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    p->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    p->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    p->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    error = "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message();
    return nullptr;
  }
  p->accept();
  impl* raw = p.get();
  p->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<http_server>(new http_server(std::move(p)));
}

uint16_t http_server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

uint64_t http_server::refused() const {
  return impl_->refused.load();
}

bool parse_listen_address(const std::string& text, std::string& address, uint16_t& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return false;
  }
  address = text.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  unsigned value = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  const auto [at, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc{} || at != end || begin == end || value > 65535) {
    return false;
  }
  port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace scanscope
