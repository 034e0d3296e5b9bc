#pragma once
/**
 * @file
 * The worker's keys into its unique-source set: a domain per count keeps the keys of different
 * counts apart (the combination key of a TCP/UDP packet uses the fingerprint hash in this place
 * instead), and the source address hash that every key starts from.
 */

#include <cstdint>
#include <cstring>

#include "table/unique_set.hpp"

namespace scanscope::unique_domain {

inline constexpr uint64_t cluster = 1;
inline constexpr uint64_t tool = 2;
inline constexpr uint64_t fingerprint = 3;
inline constexpr uint64_t tool_total = 4;
inline constexpr uint64_t signature = 5;
inline constexpr uint64_t signature_total = 6;
inline constexpr uint64_t country = 7;
inline constexpr uint64_t country_total = 8;
inline constexpr uint64_t syn = 9;          /**< SYNs to monitored addresses, by (port, tool) */
inline constexpr uint64_t handshake = 10;   /**< completed handshakes, by (port, tool) */
inline constexpr uint64_t payload = 11;     /**< payloads after the handshake, by (port, tool) */
inline constexpr uint64_t two_phase = 12;   /**< two-phase follow-ups, by (port, first tool) */
inline constexpr uint64_t exposure = 13;    /**< answered sources, by (host, port) */
inline constexpr uint64_t technique = 14;   /**< scan technique, by (port, technique) */
inline constexpr uint64_t technique_total = 15; /**< scan technique over all traffic */
inline constexpr uint64_t actor = 16;           /**< actor slot, by (port, actor) */
inline constexpr uint64_t actor_total = 17;     /**< actor slot over all traffic */

}  // namespace scanscope::unique_domain

namespace scanscope {

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/** Hash of a 16-byte address (IPv4 mapped). */
inline uint64_t address_hash(const uint8_t* addr16) {
  return quick_key(load64(addr16), load64(addr16 + 8), 0x5CA9);
}

}  // namespace scanscope
