#include "runtime/event_setup.hpp"

#include "runtime/series_setup.hpp"

namespace scanscope {

std::vector<alert_rule> alert_rules_of(const rules_and_databases& tables) {
  std::vector<alert_rule> out;
  if (tables.signatures) {
    for (const signature_rule& r : tables.signatures->rules()) {
      out.push_back({r.name, r.category, r.id});
    }
  }
  return out;
}

std::unique_ptr<event_log> attach_event_log(series_clock& clock, const app_options& o,
                                            const rules_and_databases& tables,
                                            const rx_lcores& rx, const series_store& store,
                                            std::string& error) {
  if (!o.events.enabled()) {
    return nullptr;
  }
  std::vector<alert_ring*> rings;
  for (const auto& w : rx.workers) {
    if (w->alerts() != nullptr) {
      rings.push_back(w->alerts());
    }
  }
  std::unique_ptr<syslog_sink> syslog;
  if (o.events.to_syslog()) {
    syslog = syslog_sink::open(o.events.syslog, syslog_facility(o.events.syslog_facility), error);
    if (!syslog) {
      return nullptr;
    }
  }
  auto log = event_log::open(o.events.to_file() ? o.events.path : "", std::move(syslog),
                             o.events.rate, std::move(rings), error);
  if (!log) {
    return nullptr;
  }
  log->set_rules(alert_rules_of(tables));
  event_log* raw = log.get();
  const uint64_t bucket_ns = clock.width_ns();
  clock.on_closed([raw, bucket_ns, &o, &tables, &rx, &store](const closed_bucket& closed, bool) {
    const auto& c = closed.campaigns;
    if (c.opened.empty() && c.ended.empty() && c.lead_changes.empty()) {
      return;
    }
    run_report names;
    fill_names(names, rx, tables, o, store);
    names.series = &store;
    names.bucket_ns = bucket_ns;
    for (std::string& line : campaign_event_lines(names, tables.ports, closed)) {
      raw->submit(std::move(line));
    }
  });
  return log;
}

void note_events(run_report& report, const event_log* log) {
  if (log == nullptr) {
    return;
  }
  event_summary& e = report.events;
  e.enabled = true;
  e.path = log->path();
  e.syslog = log->syslog_target();
  const event_counts c = log->counts();
  e.written = c.written;
  e.rate_dropped = c.rate_dropped;
  e.ring_dropped = c.ring_dropped;
  e.write_errors = c.write_errors;
  e.reopened = c.reopened;
  e.syslog_sent = c.syslog_sent;
  e.syslog_errors = c.syslog_errors;
}

}  // namespace scanscope
