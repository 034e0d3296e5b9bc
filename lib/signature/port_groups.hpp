#pragma once
/**
 * @file
 * Destination ports grouped by the rules that apply to them, so that a datagram or a
 * whole-connection segment is scanned against its port's rules only: with the default rules a
 * request to 8545 is matched against 23 rules instead of 38, one to port 80 against 7. Ports with
 * the same rule set (every port no rule names, say) share a group and so one database.
 */

#include <array>
#include <cstdint>
#include <vector>

#include "signature/signature_rule.hpp"

namespace scanscope {

struct port_groups {
  /** Most groups kept apart (each is a database compiled at start); with more distinct sets
   *  one group holds every rule (`merged`). */
  static constexpr size_t max_groups = 16;
  /** Rule slots a group can name (signature_db::max_rules). */
  static constexpr size_t max_slots = 512;

  /** Rule slots of each group, ascending; never empty. */
  std::vector<std::vector<uint16_t>> rules;
  /** More distinct sets than max_groups: one group of every active rule, so a match must still
   *  be checked against the packet's port. */
  bool merged = false;

  /** Group of a transport and destination port, plus one; 0 when no rule applies there. */
  uint8_t at(bool tcp, uint16_t port) const { return group_of_[(tcp ? 65536u : 0u) + port]; }

  /** Whether the rule in `slot` applies to a transport and destination port, in a few loads
   *  (signature_rule::applies walks the rule's port list); only when not `merged`. */
  bool applies(uint16_t slot, bool tcp, uint16_t port) const {
    const uint8_t g = at(tcp, port);
    return g != 0 && (members_[g - 1][slot / 64] >> (slot % 64) & 1) != 0;
  }

  /** Group the active (not retired) rules of a slot layout. */
  static port_groups of(const std::vector<signature_rule>& rules);

 private:
  std::vector<uint8_t> group_of_;  // [transport (udp, tcp)][port]
  std::vector<std::array<uint64_t, max_slots / 64>> members_;  // each group's slots as bits
};

}  // namespace scanscope
