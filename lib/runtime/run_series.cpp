#include "runtime/run_series.hpp"

#include "pipeline/capture_identity.hpp"
#include "runtime/fleet_setup.hpp"
#include "runtime/series_setup.hpp"
#include "runtime/event_setup.hpp"
#include "runtime/store_setup.hpp"

namespace scanscope {

run_series::run_series(const app_options& o, const rules_and_databases& tables, const rx_lcores& rx)
    : store(o.retention, o.surge, o.campaign), clock(make_series_clock(store, o, tables, rx)) {}

std::unique_ptr<run_series> set_up_series(const app_options& o, const rules_and_databases& tables,
                                          const rx_lcores& rx, std::string& error) {
  auto series = std::make_unique<run_series>(o, tables, rx);
  if (!o.pcaps.empty()) {
    series->input = capture_identity(o.pcaps);
  }
  // The record first: a bucket a crash cut short is taken back before the files are read.
  std::unique_ptr<series_ledger> ledger = open_series_ledger(o, series->input, error);
  if (!error.empty()) {
    return nullptr;
  }
  // Read back before the clock is attached: no bucket may close before the store holds the
  // earlier runs' buckets.
  if (error = restore_series(series->store, o, tables, ledger.get()); !error.empty()) {
    return nullptr;
  }
  series->clock.set_lcores(rx.series());
  series->sources = attach_source_store(series->clock, o, rx, tables, error);
  if (!error.empty()) {
    return nullptr;
  }
  series->events = attach_event_log(series->clock, o, tables, rx, series->store, error);
  if (!error.empty()) {
    return nullptr;
  }
  series->files = attach_series_files(series->clock, o, tables, std::move(ledger));
  series->fleet = attach_fleet(series->clock, o, tables, rx, series->store, series->input, error);
  if (!error.empty()) {
    return nullptr;
  }
  return series;
}

}  // namespace scanscope
