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

/** Whether `c` is one `f` selects (it overlaps the period). */
bool wanted(const campaign& c, const campaign_filter& f);

/** One campaign as an object (the API's and the report's), with its pivots when there are. */
void write_campaign(json_writer& w, const run_report& r, const watched_ports& ports,
                    const campaign& c, const campaign_pivots* pivots = nullptr);

/** One lead change as an object. */
void write_lead_change(json_writer& w, const run_report& r, const watched_ports& ports,
                       const lead_change& l);

/** `"campaigns": [...]`: campaigns that overlap the period, oldest first. */
void write_campaigns(json_writer& w, const run_report& r, const watched_ports& ports,
                     const campaign_filter& f = {});

/** `"lead_changes": [...]`: lead changes in the period, oldest first. */
void write_lead_changes(json_writer& w, const run_report& r, const watched_ports& ports,
                        const campaign_filter& f = {});

}  // namespace scanscope
