#pragma once
/**
 * @file
 * Campaigns and lead changes in words: the name behind a scope's index ("RU", "masscan",
 * "eth-accounts", a fingerprint key), and the log line of each event.
 */

#include <string>

#include "export/run_report.hpp"
#include "stats/campaign_detector.hpp"
#include "stats/watched_ports.hpp"

namespace scanscope {

/** "8545/tcp", or "other" for ports not watched. */
std::string port_label(const watched_ports& ports, uint16_t index);

/**
 * The name of `dim` in a scope: a country code, cluster, tool, rule name, or a fingerprint key
 * in words; "" for the port scope.
 */
std::string scope_value(const run_report& names, campaign_scope scope, uint16_t port, uint32_t dim);

/** The name of a lead change's leader (country code, cluster or tool). */
std::string leader_name(const run_report& names, lead_dimension d, uint32_t index);

/** True when a fingerprint-scoped campaign's key names no built-in tool: a new tool. */
inline bool is_new_tool(const campaign& c) {
  return c.scope == campaign_scope::port_fingerprint;
}

/**
 * "14.4 times the median of 43.5 packets a bucket", or, when the median is under one packet
 * (the ratio is then taken against one packet): "568 times one packet (the buckets before have a
 * median of 0.0 packets)". Whole: a log line ends with it.
 */
std::string ratio_text(double ratio, double median);

/** One line for a campaign that opened (`opened`) or ended. */
std::string describe_campaign(const run_report& names, const watched_ports& ports,
                              const campaign& c, bool opened);

/** One line for a lead change. */
std::string describe_lead_change(const run_report& names, const watched_ports& ports,
                                 const lead_change& l);

}  // namespace scanscope
