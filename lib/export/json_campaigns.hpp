#pragma once
/**
 * @file
 * Campaigns and lead changes in the JSON report and the API (docs/report.md, "Campaigns").
 */

#include <cstdint>
#include <limits>

#include "export/json_series.hpp"

namespace scanscope {

/** Which campaigns and lead changes to write. */
struct campaign_filter {
  int port = -1;  /**< watched-port index (-1: every port) */
  int scope = -1; /**< campaign_scope (-1: every scope; lead changes ignore it) */
  int64_t from = std::numeric_limits<int64_t>::min(); /**< first bucket of the period */
  int64_t to = std::numeric_limits<int64_t>::max();   /**< last bucket of the period */
};

/** `"campaigns": [...]`: campaigns that overlap the period, oldest first. */
void write_campaigns(json_writer& w, const run_report& r, const watched_ports& ports,
                     const campaign_filter& f = {});

/** `"lead_changes": [...]`: lead changes in the period, oldest first. */
void write_lead_changes(json_writer& w, const run_report& r, const watched_ports& ports,
                        const campaign_filter& f = {});

}  // namespace scanscope
