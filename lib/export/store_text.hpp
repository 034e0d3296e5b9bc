#pragma once
/**
 * @file
 * The source store's and the event log's counters in the JSON report ("source_store",
 * "events") and in /metrics (scanscope_source_store_*, scanscope_events_*), walked from
 * SCANSCOPE_STORE_NUMBERS and SCANSCOPE_EVENT_NUMBERS.
 */

#include <string>

#include "export/json_series.hpp"
#include "export/event_summary.hpp"
#include "export/store_summary.hpp"

namespace scanscope {

/** The "source_store" object: null without --source-store. */
void write_source_store(json_writer& w, const store_summary& s);

/** The "events" object: null without --events. */
void write_events(json_writer& w, const event_summary& e);

/** The scanscope_events_* families (nothing without --events). */
void append_event_metrics(std::string& out, const event_summary& e);

/** The scanscope_source_store_* families (nothing without a store). */
void append_store_metrics(std::string& out, const store_summary& s);

}  // namespace scanscope
