#include "runtime/fleet_setup.hpp"

#include <chrono>
#include <cstdio>

#include "runtime/series_setup.hpp"

namespace scanscope {

std::unique_ptr<clickhouse_exporter> attach_fleet(series_clock& clock, const app_options& o,
                                                  const rules_and_databases& tables,
                                                  const rx_lcores& rx, const series_store& store,
                                                  std::optional<uint64_t> input,
                                                  std::string& error) {
  if (o.fleet.clickhouse.empty()) {
    return nullptr;
  }
  exporter_settings settings;
  settings.url = o.fleet.url;
  settings.sensor = o.fleet.sensor;
  settings.spool_dir = o.fleet.spool;
  settings.spool_bytes = uint64_t{o.fleet.spool_mb} << 20;
  settings.request_timeout_s = o.fleet.timeout;
  auto exporter = clickhouse_exporter::start(settings, error);
  if (!exporter) {
    return nullptr;
  }
  fleet_identity identity;
  identity.sensor = o.fleet.sensor;
  // Microseconds: two runs of one sensor a second apart (a restart) must not share rows' keys.
  // A run over captures takes their identity instead: a rerun of the same captures (after a
  // crash) writes rows with the same keys, which the tables' replacing merge keeps once.
  identity.run = input && o.rerun == "fill"
                     ? *input
                     : static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count());
  identity.bucket_ns = clock.width_ns();
  if (!o.quiet) {
    std::fprintf(stderr, "scanscope: closed buckets go to ClickHouse at %s as sensor '%s'\n",
                 o.fleet.url.shown.c_str(), identity.sensor.c_str());
  }
  clickhouse_exporter* raw = exporter.get();
  clock.on_closed(
      [raw, identity, &o, &tables, &rx, &store](const closed_bucket& closed, bool partial) {
        // The campaigns are the detector's, which the stats loop owns: their rows are made here.
        // Campaign scopes are named from a report's tables, worth filling only when one is open
        // or has just ended. The rest is made on the exporter's thread, from copies.
        run_report campaign_names;
        if (!store.campaigns().campaigns().empty()) {
          fill_names(campaign_names, rx, tables, o, store);
        }
        auto campaigns = std::make_shared<table_rows>(make_campaign_rows(
            identity, closed, names_of(tables), campaign_names, store.campaigns()));
        // What emulated conversations gave away, as the lcores hold it now.
        std::vector<indicator_total> indicators;
        for (const auto& w : rx.workers) {
          if (const indicator_table* t = w->indicators()) {
            t->collect(indicators);
          }
        }
        merge_indicators(indicators);
        auto indicator_rows =
            std::make_shared<table_rows>(make_indicator_rows(identity, closed, indicators));
        auto bucket = std::make_shared<closed_bucket>();
        bucket->bucket = closed.bucket;
        bucket->points = closed.points;
        bucket->arrivals = closed.arrivals;
        raw->submit(
            [identity, bucket, partial, names = names_of(tables), campaigns, indicator_rows] {
              return make_bucket_batch(identity, *bucket, partial, names, std::move(*campaigns),
                                       std::move(*indicator_rows));
            });
      });
  return exporter;
}

void note_fleet(run_report& report, const clickhouse_exporter* exporter) {
  if (exporter == nullptr) {
    return;
  }
  report.fleet = exporter->snapshot();
}

void finish_fleet(clickhouse_exporter* exporter, const app_options& o) {
  if (exporter == nullptr) {
    return;
  }
  exporter->finish(o.fleet.flush);
  const fleet_delivery d = exporter->snapshot();
  if (d.spool_buckets != 0) {
    std::fprintf(stderr,
                 "scanscope: %llu buckets wait in the spool %s for ClickHouse at %s; the next "
                 "run delivers them first\n",
                 static_cast<unsigned long long>(d.spool_buckets), o.fleet.spool.c_str(),
                 d.target.c_str());
  } else if (!o.quiet) {
    std::fprintf(stderr, "scanscope: ClickHouse took %llu buckets (%llu rows)\n",
                 static_cast<unsigned long long>(d.buckets_delivered),
                 static_cast<unsigned long long>(d.rows_delivered));
  }
}

}  // namespace scanscope
