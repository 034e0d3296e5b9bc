#pragma once
/**
 * @file
 * The conversation part of the JSON report and the API (docs/report.md, "Conversation"):
 * frames by direction, the responder's counters, per (port, tool) how far scanners went, and
 * the exposure view.
 */

#include "export/json_series.hpp"

namespace scanscope {

/** `"conversation": {...}`. */
void write_conversation(json_writer& w, const run_report& r, const watched_ports& ports);

/** `"exposure": [...]`: monitored hosts that answered scanners, by host then port; `port` 0:
 *  every port. */
void write_exposure(json_writer& w, const run_report& r, uint16_t port = 0);

}  // namespace scanscope
