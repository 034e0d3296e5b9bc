#pragma once
/**
 * @file
 * The source store's counters in the JSON report ("source_store") and in /metrics
 * (scanscope_source_store_*), both walked from SCANSCOPE_STORE_NUMBERS.
 */

#include <string>

#include "export/json_series.hpp"
#include "export/store_summary.hpp"

namespace scanscope {

/** The "source_store" object: null without --source-store. */
void write_source_store(json_writer& w, const store_summary& s);

/** The scanscope_source_store_* families (nothing without a store). */
void append_store_metrics(std::string& out, const store_summary& s);

}  // namespace scanscope
