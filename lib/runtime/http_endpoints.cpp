// What the HTTP server answers during and after a run: /metrics, the report and the API's
// routes, published by the stats lcore and served by the main one.
#include "runtime/run_context.hpp"

#include "export/json_report.hpp"
#include "export/prometheus_text.hpp"

namespace scanscope {

void endpoints::publish(const run_report& report, const watched_ports& ports,
                        size_t top_countries) {
  auto metrics =
      std::make_shared<const std::string>(render_prometheus(report, ports, top_countries));
  auto json = std::make_shared<const std::string>(render_json_report(report, ports));
  std::lock_guard<std::mutex> lock(mutex_);
  metrics_ = std::move(metrics);
  json_ = std::move(json);
}

http_response endpoints::answer(const std::string& target) const {
  std::shared_ptr<const std::string> metrics, json;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    metrics = metrics_;
    json = json_;
  }
  const std::string path = target.substr(0, target.find('?'));
  http_response r;
  if (path == "/metrics") {
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics ? *metrics : std::string();
  } else if (path == "/api/v1/report") {
    r.content_type = "application/json";
    r.body = json ? *json : std::string("{}\n");
  } else if (path == "/api" || path == "/api/" || path == "/api/v1" || path == "/api/v1/") {
    r.body =
        "scanscope\n"
        "/                         the console (charts, campaigns, signatures, devices)\n"
        "/metrics                  Prometheus text format 0.0.4\n"
        "/api/v1/report            the JSON report (docs/report.md)\n"
        "/api/v1/series            closed buckets; port, cluster, signature, as, country, from, "
        "to, group (a dimension's name, or country)\n"
        "/api/v1/dimensions        what the series count by: each dimension's name, campaign "
        "scope and lead\n"
        "/api/v1/surges            surge events\n"
        "/api/v1/campaigns         campaigns and lead changes; port, scope, from, to\n"
        "/api/v1/actors            known scanning organisations, overall and per port\n"
        "/api/v1/conversation      direction, responder, two-phase and exposure counts\n"
        "/api/v1/exposure          monitored hosts that answered scanners; port\n"
        "/api/v1/indicators        what emulated conversations gave away; kind, port, since\n"
        "/api/v1/fingerprints/top  top fingerprint keys per port; port, n\n"
        "/api/v1/sources/top       busiest sources (after an offline run); n\n"
        "/api/v1/sources/ADDRESS   one source from the source store, with its verdict\n"
        "/api/v1/sources           the store's sources; class, since, format, n\n";
  } else if (path.rfind("/api/v1/", 0) == 0) {
    // The series store belongs to the main lcore: queue the query and wait for its answer.
    std::future<http_response> answer;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queries_.size() >= 16) {
        return {503, "text/plain; charset=utf-8", "too many queries waiting\n"};
      }
      queries_.push_back({target, std::promise<http_response>()});
      answer = queries_.back().answer.get_future();
    }
    // Generous: a campaigns answer reads the whole source store for its pivots on the main
    // lcore (one pass: 0.1 s for the December seed's store, more for a store of millions or on
    // a sanitizer build) while the console's other queries wait their turn.
    if (answer.wait_for(std::chrono::seconds(15)) != std::future_status::ready) {
      return {503, "text/plain; charset=utf-8", "the main lcore did not answer in time\n"};
    }
    return answer.get();
  } else if (auto page = console_.answer(path)) {
    return *page;
  } else {
    r.status = 404;
    r.body = "not found: " + path + "\n";
  }
  return r;
}

void endpoints::serve_pending(const std::function<http_response(const std::string&)>& query) {
  std::deque<pending_query> work;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    work.swap(queries_);
  }
  for (pending_query& q : work) {
    q.answer.set_value(query(q.target));
  }
}

std::unique_ptr<http_server> start_endpoints(const app_options& o, const endpoints& pages,
                                             std::string& error) {
  std::string address;
  uint16_t port = 0;
  if (!parse_listen_address(o.http, address, port)) {
    error = "option 'http': '" + o.http + "' is not ADDRESS:PORT (e.g. 127.0.0.1:9477)";
    return nullptr;
  }
  auto server = http_server::start(
      address, port, [&pages](const std::string& target) { return pages.answer(target); },
      http_limits{}, error);
  if (!server) {
    error = "option 'http': " + error;
  }
  // Port 0 lets the system pick a free port: the line is then the only way to learn it, so it
  // is printed under --quiet too.
  if (server && (!o.quiet || port == 0)) {
    std::fprintf(stderr, "scanscope: serving /metrics and /api/v1/report on %s:%u\n",
                 address.c_str(), server->port());
  }
  return server;
}

}  // namespace scanscope
