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

/** Which indicators to list: all, or those of a kind, a port, last seen since a time. */
struct indicator_filter {
  bool any_kind = true;
  indicator_kind kind = indicator_kind::url;
  uint16_t port = 0;     /**< 0: every port */
  uint64_t since_ns = 0; /**< last seen at or after */
};

/** `"indicators": [...]`: what emulated conversations gave away, most sources first. */
void write_indicators(json_writer& w, const run_report& r, const indicator_filter& f = {});

}  // namespace scanscope
