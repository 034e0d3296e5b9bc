// The end of a run: the report filled from the lcores, full tables said, the summary and
// the report files written, and the exit code.
#include "runtime/run_context.hpp"

#include <iostream>

#include "export/json_report.hpp"
#include "export/summary_table.hpp"
#include "runtime/series_setup.hpp"
#include "runtime/store_setup.hpp"

namespace scanscope {

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
  if (c.responding && refused != 0 && c.scalar(conversation_counter::responder_synacks_sent) == 0) {
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
