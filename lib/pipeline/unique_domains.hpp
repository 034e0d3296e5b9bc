#pragma once
/**
 * @file
 * The worker's keys into its unique-source set and its one counting policy: a domain per count
 * keeps the keys of different counts apart (the combination key of a TCP/UDP packet uses the
 * fingerprint hash in this place instead), and the source address hash that every key starts
 * from.
 */

#include <cstdint>
#include <cstring>

#include "common/counter.hpp"
#include "table/unique_set.hpp"

namespace scanscope::unique_domain {

inline constexpr uint64_t cluster = 1;
inline constexpr uint64_t tool = 2;
inline constexpr uint64_t fingerprint = 3;
inline constexpr uint64_t tool_total = 4;
inline constexpr uint64_t signature = 5;
inline constexpr uint64_t signature_total = 6;
/** (country, actor) by port: both are the source's, so one key counts the source in both */
inline constexpr uint64_t country_actor = 7;
inline constexpr uint64_t country_actor_total = 8; /**< (country, actor) over all traffic */
inline constexpr uint64_t syn = 9;          /**< SYNs to monitored addresses, by (port, tool) */
inline constexpr uint64_t handshake = 10;   /**< completed handshakes, by (port, tool) */
inline constexpr uint64_t payload = 11;     /**< payloads after the handshake, by (port, tool) */
inline constexpr uint64_t two_phase = 12;   /**< two-phase follow-ups, by (port, first tool) */
inline constexpr uint64_t exposure = 13;    /**< answered sources, by (host, port) */
inline constexpr uint64_t technique = 14;   /**< scan technique, by (port, technique) */
inline constexpr uint64_t technique_total = 15; /**< scan technique over all traffic */
/** a first probe's source count moved out of (port, provisional cluster): once per source */
inline constexpr uint64_t cluster_moved = 18;

}  // namespace scanscope::unique_domain

namespace scanscope {

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/** Hash of a 16-byte address (IPv4 mapped). */
inline uint64_t address_hash(const uint8_t* addr16) {
  return light_set_key(load64(addr16), load64(addr16 + 8), 0x5CA9);
}

/** A packet's combination and time bucket in 32 bits, the source's memo of its last packet.
 *  Never 0, so a new source's memo (0) is never taken for a repeat. */
inline uint32_t repeat_memo_of(uint64_t combination, int64_t bucket) {
  return static_cast<uint32_t>(light_set_key(combination, static_cast<uint64_t>(bucket), 0) >> 32) |
         1;
}

/*
 * The counting policy of every distinct-source count: the packet always counts, its source
 * once, the first time the unique set sees the count's key. `maybe_new` is false when the
 * packet's combination is known to the source already: then no key derived from it can be new,
 * and the look is saved.
 */

/** The key of a count per watched port: the port above the value's 8 bits. */
inline uint64_t per_port_key(uint64_t source_hash, uint64_t domain, uint16_t port, uint64_t value) {
  return set_key(source_hash, domain, (uint64_t{port} << 8) | value);
}

/** The key of a count over all traffic: checked on every packet without ports, so light. */
inline uint64_t overall_key(uint64_t source_hash, uint64_t domain, uint64_t value) {
  return light_set_key(source_hash, domain, value);
}

/** The key of a source's country and actor (both set once, when the source is new): by port,
 *  or over all traffic with `port` 0 and the `total` domain. */
inline uint64_t country_actor_key(uint64_t source_hash, uint64_t domain, uint16_t port,
                                  uint8_t country, uint8_t actor) {
  return set_key(source_hash, domain, (uint64_t{port} << 16) | (uint64_t{country} << 8) | actor);
}

/** The key of a fingerprint slot's distinct sources. */
inline uint64_t fingerprint_count_key(uint64_t source_hash, uint64_t key_hash, uint16_t port) {
  return set_key(source_hash, unique_domain::fingerprint, key_hash ^ port);
}

/** A count per watched port. */
inline void count_per_port(unique_set& seen, source_counter& count, bool maybe_new,
                           uint64_t source_hash, uint64_t domain, uint16_t port, uint64_t value) {
  count.packets.add();
  if (maybe_new && seen.insert(per_port_key(source_hash, domain, port, value))) {
    count.sources.add();
  }
}

/** The country's and the actor's count of one source, by one key (country_actor_key). */
inline void count_country_actor(unique_set& seen, source_counter& country_count,
                                source_counter& actor_count, bool maybe_new, uint64_t key) {
  country_count.packets.add();
  actor_count.packets.add();
  if (maybe_new && seen.insert(key)) {
    country_count.sources.add();
    actor_count.sources.add();
  }
}

/** A count over all traffic. */
inline void count_overall(unique_set& seen, source_counter& count, bool maybe_new,
                          uint64_t source_hash, uint64_t domain, uint64_t value) {
  count.packets.add();
  if (maybe_new && seen.insert(overall_key(source_hash, domain, value))) {
    count.sources.add();
  }
}

}  // namespace scanscope
