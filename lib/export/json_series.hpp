#pragma once
/**
 * @file
 * The time-series parts of the JSON report: each port's closed buckets and the surge events.
 */

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "export/run_report.hpp"

namespace scanscope {

using json_writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

/** Starts `"key": [`; when the run keeps no series, closes it empty and returns false. */
bool start_series_array(json_writer& w, const char* key, const run_report& r);

/** `"series": [...]`: the closed buckets of watched-port index `index`. */
void write_port_series(json_writer& w, const run_report& r, uint16_t index);

/** `"port": 8545, "protocol": "tcp"` of a watched-port index (`"other"`, `"any"` for the rest). */
void write_port(json_writer& w, const watched_ports& ports, uint16_t index);

/** `{"name": ..., "packets": n, "sources": m}`. */
void write_source_total(json_writer& w, const char* name, const source_total& t);

/** `"techniques": [...]`: scan_technique_count counts by technique (null: none); only those
 *  with packets when `seen_only`. */
void write_techniques(json_writer& w, const source_total* counts, bool seen_only);

/** `"surges": [...]`: every surge event. */
void write_surges(json_writer& w, const run_report& r, const watched_ports& ports);

}  // namespace scanscope
