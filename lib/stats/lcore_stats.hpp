#pragma once
/**
 * @file
 * Everything one RX lcore counts, in one block it owns: the fixed counters (lcore_counters), the
 * per-(port, country) and per-(port, rule) counts sized at start, the signature-country table
 * and its overflow, and the conversation counters. Single writer (the lcore); the stats lcore
 * reads it through counter::read() and folds it (pipeline/lcore_fold.hpp). What each count is
 * called outside is declared in stats/counter_families.hpp.
 */

#include <cstddef>
#include <memory>
#include <vector>

#include "common/counter.hpp"
#include "converse/conversation_counters.hpp"
#include "stats/keyed_counters.hpp"
#include "stats/lcore_counters.hpp"

namespace scanscope {

struct lcore_stats {
  /**
   * @param port_slots watched-port counter indexes (watched ports + 1 for every other port)
   * @param countries  country slots of the location database
   * @param rule_slots signature rule slots (0: no payload scanning, no signature counts)
   */
  lcore_stats(size_t port_slots, size_t countries, size_t rule_slots)
      : block(std::make_unique<lcore_counters>()),
        countries(countries),
        rule_slots(rule_slots),
        signature_counts(port_slots * rule_slots),
        signature_totals(rule_slots),
        country_counts(port_slots * countries),
        country_totals(countries),
        conversation(port_slots) {}

  /** The fixed counters: traffic, parse results, per port, cluster, tool, technique, actor. */
  std::unique_ptr<lcore_counters> block;
  size_t countries;  /**< country slots: the stride of country_counts */
  size_t rule_slots; /**< rule slots: the stride of signature_counts */
  /** Hits and sources by (port, rule slot): [port * rule_slots + rule]. */
  std::vector<source_counter> signature_counts;
  /** Hits and sources per rule slot over all ports (a source on two ports counts once). */
  std::vector<source_counter> signature_totals;
  /** Packets and sources by (port, country): [port * countries + country]. */
  std::vector<source_counter> country_counts;
  /** Packets and sources per country over all IP traffic. */
  std::vector<source_counter> country_totals;
  /** Signature hits and sources by (port, rule, country), keyed as series_key::signature. */
  keyed_counters signature_countries{4096};
  /** Hits the signature-country table had no room for. */
  counter signature_country_overflow;
  /** Packets and sources by (port, origin AS), keyed as series_key::as: too many ASes to lay
   *  out densely. */
  keyed_counters port_ases{16384};
  /** Packets the (port, AS) table had no room for. */
  counter port_as_overflow;
  /** Direction, responder and two-phase counters. */
  conversation_counters conversation;
};

}  // namespace scanscope
