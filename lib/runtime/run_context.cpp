#include "runtime/run_context.hpp"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "export/json_report.hpp"
#include "export/prometheus_text.hpp"
#include "export/summary_table.hpp"
#include "runtime/series_setup.hpp"
#include "runtime/store_setup.hpp"

namespace scanscope {

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::vector<lcore_view> rx_lcores::views() const {
  std::vector<lcore_view> out;
  for (const auto& w : workers) {
    out.push_back(view_of(*w));
  }
  return out;
}

std::vector<bucket_series*> rx_lcores::series() const {
  std::vector<bucket_series*> out;
  for (const auto& w : workers) {
    out.push_back(&w->series());
  }
  return out;
}

uint64_t rx_lcores::last_time_ns() const {
  uint64_t t = 0;
  for (const auto& w : workers) {
    t = std::max(t, w->counters().last_timestamp_ns.read());
  }
  return t;
}

std::string rx_lcores::add_worker(const app_options& o, const rules_and_databases& tables,
                                  std::string source) {
  worker_config config;
  config.ports = &tables.ports;
  config.clusters = tables.clusters.get();
  config.source_capacity = o.source_capacity;
  config.source_idle_ns = static_cast<uint64_t>(o.source_idle * 1e9);
  config.unique_slots = o.unique_slots;
  config.fingerprint_slots = o.fingerprint_slots;
  config.signatures = tables.signatures.get();
  config.geo = tables.geo.get();
  config.actors = tables.actors.get();
  config.bucket_ns = static_cast<uint64_t>(o.bucket * 1e9);
  config.bucket_entries = o.bucket_entries;
  config.bucket_unique_slots = o.bucket_unique_slots;
  // The source store and the fleet store take a bucket's sources from its arrivals.
  config.alert_slots = o.events.enabled() ? o.events.alert_slots : 0;
  config.bucket_arrivals =
      o.fleet.clickhouse.empty() && !o.store.enabled() ? 0 : o.store.arrivals;
  config.flow_capacity = o.flow_capacity;
  config.flow_idle_ns = static_cast<uint64_t>(o.flow_idle * 1e9);
  config.scan_bytes = o.scan_bytes;
  if (!o.conversation.monitored_prefixes.empty()) {
    config.monitored = &o.conversation.monitored_prefixes;
  }
  config.respond = respond.get();
  if (!respond && o.conversation.emulation.any()) {
    config.observe = &o.conversation.emulation;
  }
  config.exposure_slots = o.conversation.exposure_slots;
  config.name = "rx" + std::to_string(workers.size());
  std::string error;
  auto w = worker::create(config, error);
  if (!w) {
    return error;
  }
  workers.push_back(std::move(w));
  rx_task t;
  t.work = workers.back().get();
  t.burst = static_cast<uint16_t>(o.burst);
  t.source = std::move(source);
  tasks.push_back(std::move(t));
  return {};
}

void rx_lcores::enable_responder(const app_options& o, unsigned lcores) {
  const conversation_settings& c = o.conversation;
  respond = std::make_unique<responder_config>();
  respond->monitored = &c.monitored_prefixes;
  respond->allow = &c.allow_prefixes;
  respond->ports = c.ports;
  respond->window = static_cast<uint16_t>(c.respond_window);
  respond->rate = c.respond_rate / lcores;
  // A tenth of a second's worth at once, at least one.
  respond->burst = static_cast<uint32_t>(std::max(1.0, respond->rate / 10));
  respond->source_rate = c.respond_source_rate;
  respond->source_burst = c.respond_source_burst;
  respond->cookies = &cookies;
  respond->timeout_ns = static_cast<uint64_t>(c.respond_timeout * 1e9);
  respond->waiting_slots = c.respond_waiting;
  respond->emulation = &c.emulation;
  respond->conversation_slots = c.emulate_conversations;
  respond->conversation_buffers = c.emulate_buffers;
  respond->source_conversations = c.emulate_source_conversations;
}

std::string rx_lcores::launch() {
  size_t i = 0;
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (i == tasks.size()) {
      break;
    }
    tasks[i].lcore_id = lcore;
    const int rc = rte_eal_remote_launch(rx_lcore_main, &tasks[i], lcore);
    if (rc != 0) {
      return "cannot launch RX lcore " + std::to_string(lcore) + ": " + rte_strerror(-rc);
    }
    ++i;
  }
  return {};
}

std::vector<lcore_summary> rx_lcores::summaries() const {
  std::vector<lcore_summary> out;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const lcore_counters& c = workers[i]->counters();
    const uint64_t total = c.total_cycles.read();
    out.push_back({tasks[i].lcore_id, tasks[i].source, c.total.packets.read(),
                   total ? static_cast<double>(c.busy_cycles.read()) / total : 0.0});
  }
  return out;
}

uint64_t wall_clock_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

std::string check_lcores(unsigned needed) {
  const unsigned have = rte_lcore_count() - 1;
  if (have < needed) {
    return "need " + std::to_string(needed) + " RX lcores besides the main lcore, EAL gave " +
           std::to_string(have) + " (use -l/--lcores, e.g. -l 0-" + std::to_string(needed) + ")";
  }
  return {};
}

rte_mempool* create_pool(unsigned mbufs, const app_options& o, std::string& error) {
  rte_mempool* pool = rte_pktmbuf_pool_create("scanscope_pool", mbufs, o.mbuf_cache, 0,
                                              static_cast<uint16_t>(o.mbuf_size),
                                              static_cast<int>(rte_socket_id()));
  if (pool == nullptr) {
    error = "cannot create a pool of " + std::to_string(mbufs) + " mbufs of " +
            std::to_string(o.mbuf_size) + " bytes: " + rte_strerror(rte_errno) +
            " (lower --mbufs or raise --memory)";
  }
  return pool;
}

void fill_report(run_report& report, const rx_lcores& rx, const rules_and_databases& tables,
                 const app_options& o, const series_store& series) {
  const watched_ports& ports = tables.ports;
  report.series = &series;
  for (const auto& w : rx.workers) {
    report.bucket_late += w->series().late().read();
    report.bucket_overflow += w->series().overflow().read();
    report.bucket_unique_overflow += w->series().unique_overflow();
    report.fleet.arrivals_dropped += w->series().arrivals_dropped().read();
  }
  report.traffic = fold_counters(rx.views(), ports.size(), o.top_ports, tables.rule_count());
  fill_names(report, rx, tables, o, series);
  if (tables.geo) {
    report.geo.path = tables.geo->path();
    report.geo.vendor = tables.geo->vendor();
    report.geo.created =
        format_utc(static_cast<uint64_t>(tables.geo->created_at()) * 1000000000ULL);
    report.geo.networks_v4 = tables.geo->networks_v4();
    report.geo.networks_v6 = tables.geo->networks_v6();
    report.geo.load_seconds = tables.geo_load_seconds;
  }
  report.lcores = rx.summaries();
}

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

namespace {

/** One line on standard error per table that ran out of room, with the option that sizes it:
 *  the counts they feed are lower bounds, which the summary's figures alone do not show. */
void warn_full_tables(const run_report& r, const app_options& o) {
  const traffic_snapshot& t = r.traffic;
  const struct {
    uint64_t refused;
    const char* what;
    const char* option;
    uint64_t size;
  } tables[] = {
      {t.unique_overflow, "distinct-source checks since start (sources per port, cluster, tool)",
       "unique-slots", o.unique_slots},
      {r.bucket_unique_overflow, "distinct-source checks in time buckets (sources per bucket)",
       "bucket-unique-slots", o.bucket_unique_slots},
      {r.bucket_overflow, "frames' series keys", "bucket-entries", o.bucket_entries},
      {t.fingerprint_overflow, "frames' fingerprint entries", "fingerprint-slots",
       o.fingerprint_slots},
  };
  // A responder that answered nothing because every SYN came from a special-purpose range: a
  // lab without respond-allow. Said once, at the end, with the remedy.
  const conversation_totals& c = t.conversation;
  const uint64_t refused = c.scalar(conversation_counter::responder_refused_special_source);
  if (c.responding && refused != 0 &&
      c.scalar(conversation_counter::responder_synacks_sent) == 0) {
    std::cerr << "scanscope: warning: the responder answered no SYN: " << refused
              << " came from special-purpose ranges (private, benchmark, documentation, ...), "
                 "which are never answered; a test bed's sources need respond-allow (e.g. "
                 "--respond-allow 198.18.0.0/15)\n";
  }
  for (const auto& table : tables) {
    if (table.refused != 0) {
      std::cerr << "scanscope: warning: " << table.refused << " " << table.what
                << " found the table full: those counts are lower bounds; raise --" << table.option
                << " (now " << table.size << " per RX lcore)\n";
    }
  }
}

}  // namespace

int finish(run_report& report, const rx_lcores& rx, const rules_and_databases& tables,
           const app_options& o, const series_store& series, endpoints* pages,
           const source_store* sources) {
  const watched_ports& ports = tables.ports;
  fill_report(report, rx, tables, o, series);
  if (sources != nullptr) {
    fill_pivots(report, *sources, ports);
  }
  if (pages != nullptr) {
    pages->publish(report, ports, o.top_countries);
  }
  if (!o.quiet) {
    std::cout << render_summary_table(report, ports) << std::flush;
  }
  if (!o.json_out.empty()) {
    const std::string e = write_json_report(o.json_out, report, ports);
    if (!e.empty()) {
      std::cerr << "scanscope: " << e << "\n";
      return exit_runtime_error;
    }
    std::cerr << "scanscope: report written to " << o.json_out << "\n";
  }
  warn_full_tables(report, o);
  // Problems were reported as they happened; the last lines say what they cost.
  if (report.series_write_errors != 0) {
    std::cerr << "scanscope: " << report.series_write_errors
              << " closed buckets could not be written to the series files; first: "
              << report.series_write_error << "\n";
    return exit_runtime_error;
  }
  if (const uint64_t lost = report.fleet.buckets_dropped + report.fleet.buckets_damaged;
      lost != 0) {
    std::cerr << "scanscope: " << lost << " closed buckets will never reach ClickHouse ("
              << report.fleet.buckets_dropped
              << " dropped from the spool, full or not writable: raise --clickhouse-spool-mb; "
              << report.fleet.buckets_damaged
              << " spool files unreadable, set aside as *.bad); the series files have them\n";
    return exit_runtime_error;
  }
  if (report.damaged_inputs != 0) {
    std::cerr << "scanscope: " << report.damaged_inputs
              << " captures were damaged (read up to the damage); first: " << report.input_error
              << "\n";
    return exit_damaged_input;
  }
  if (report.unreadable_inputs != 0) {
    std::cerr << "scanscope: " << report.unreadable_inputs
              << " captures could not be read; first: " << report.input_error << "\n";
    return exit_unreadable_input;
  }
  return exit_ok;
}

}  // namespace scanscope
