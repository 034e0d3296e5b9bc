// libFuzzer target: any bytes as an HTTP request to scanscope's server (Boost.Beast parsing,
// the limits, the answer), over a real loopback connection, with the JSON API's query answers
// behind it. The request target alone also goes straight to the query parser.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/api_queries.hpp"
#include "export/http_server.hpp"

using namespace scanscope;

namespace {

struct fixture {
  app_options options;
  rules_and_databases tables;
  rx_lcores rx;
  series_store store{24, surge_settings{}};
  std::unique_ptr<http_server> server;

  fixture()
      : tables{*watched_ports::build(options.watch, error_),
               std::make_unique<cluster_rules>(
                   *cluster_rules::parse(cluster_rules::default_text(), "built-in", error_)),
               nullptr,
               nullptr, 0, nullptr} {
    http_limits limits;
    limits.timeout = std::chrono::seconds(1);
    server = http_server::start(
        "127.0.0.1", 0, [this](const std::string& target) { return answer(target); }, limits,
        error_);
  }
  // An empty store in memory: the source endpoints parse what they are asked, as with a file.
  std::unique_ptr<source_store> sources = [] {
    std::string error, notice;
    return source_store::open({":memory:", 1000, 3600}, error, notice);
  }();
  http_response answer(const std::string& target) {
    if (target.rfind("/api/v1/", 0) == 0) {
      return answer_api(target,
                        api_context{&store, &tables, &rx, &options, sources.get(), true});
    }
    return {404, "text/plain", "not found\n"};
  }
  std::string error_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fixture f;
  if (!f.server) {
    return 0;
  }
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  f.answer(bytes.substr(0, bytes.find_first_of(" \r\n")));

  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(f.server->port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval t{2, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    (void)!send(s, data, size, MSG_NOSIGNAL);
    shutdown(s, SHUT_WR);
    char buffer[4096];
    while (recv(s, buffer, sizeof buffer, 0) > 0) {
    }
  }
  close(s);
  return 0;
}
