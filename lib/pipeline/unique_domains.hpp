#pragma once
/**
 * @file
 * The worker's keys into its unique-source set and its one counting policy: a domain per count
 * keeps the keys of different counts apart (the combination key of a TCP/UDP packet uses the
 * fingerprint hash in this place instead). Every key starts from the source's address_hash
 * (table/unique_set.hpp).
 */

#include <cstdint>
#include <cstring>

#include "common/counter.hpp"
#include "stats/keyed_counters.hpp"
#include "stats/series_dimensions.hpp"
#include "table/unique_set.hpp"

namespace scanscope::unique_domain {

inline constexpr uint64_t fingerprint = 3;
inline constexpr uint64_t signature = 5;
inline constexpr uint64_t signature_total = 6;
/** A source's (source, port) entry in the value marks, keyed with its country and actor:
 *  both are the source's, so a new entry counts the source in both */
inline constexpr uint64_t country_actor = 7;
inline constexpr uint64_t country_actor_total = 8; /**< its entry over all traffic */
inline constexpr uint64_t syn = 9;          /**< SYNs to monitored addresses, by (port, tool) */
inline constexpr uint64_t handshake = 10;   /**< completed handshakes, by (port, tool) */
inline constexpr uint64_t payload = 11;     /**< payloads after the handshake, by (port, tool) */
inline constexpr uint64_t two_phase = 12;   /**< two-phase follow-ups, by (port, first tool) */
inline constexpr uint64_t exposure = 13;    /**< answered sources, by (host, port) */
/** a signature alert sent to the event log: once per (source, port, rule) in a bucket's set */
inline constexpr uint64_t alert = 16;
/** a first probe's source count moved out of (port, provisional cluster): once per source */
inline constexpr uint64_t cluster_moved = 18;
inline constexpr uint64_t emulated_step = 21;      /**< a step of an emulated protocol, by port */
inline constexpr uint64_t indicator = 22; /**< an indicator, by its hash (kind, port, value) */

/** A dimension with dense values counted from hits (stats/series_dimensions.hpp:
 *  payload_tool), per port or over all traffic, and the key of a packet without ports (its
 *  tool): the domain follows from the row's kind, so a new row needs none of its own. (The
 *  per-packet rows are marked in a (source, port) entry instead: port_marks_key().) */
constexpr uint64_t of(series_key::kind k, bool overall = false) {
  return 64 + 2 * uint64_t{static_cast<uint8_t>(k)} + (overall ? 1 : 0);
}

}  // namespace scanscope::unique_domain

namespace scanscope {

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

/*
 * Homes (set_entry): a key that shares its home with others is kept in the same line of the
 * set, so keys looked up together cost one miss. A combination and its fingerprint's count
 * share one (a source with a random window makes them without bound); the other per-packet
 * counts are not keys at all but marks in the source's (source, port) entry.
 */

/** The home of a source's counts on one port that are keys (its conversation's). */
inline uint64_t port_home(uint64_t source_hash, uint16_t port) {
  return light_set_key(source_hash, port, 0x4031E);
}

/** The home of a source's keys for one fingerprint on one port (its combinations too). */
inline uint64_t fingerprint_home(uint64_t source_hash, uint64_t key_hash, uint16_t port) {
  return light_set_key(source_hash, key_hash ^ port, 0xF1A6);
}

/** What a key of a count per watched port holds beside its domain: the watched-port index
 *  above a value of up to 16 bits (a cluster, tool, technique, step, rule slot, ...). */
constexpr uint64_t port_value(uint16_t port, uint64_t value) {
  return (uint64_t{port} << 16) | value;
}

/** What a combination key holds beside the fingerprint hash: the cluster above the tool. */
constexpr uint64_t cluster_and_tool(uint8_t cluster, uint8_t tool) {
  return (uint64_t{cluster} << 8) | tool;
}

/** What a (country, actor) key holds: the country above the actor slot. */
constexpr uint64_t country_and_actor(uint8_t country, uint8_t actor) {
  return (uint64_t{country} << 8) | actor;
}

/** The key of a count per watched port. */
inline set_entry per_port_key(uint64_t source_hash, uint64_t domain, uint16_t port,
                              uint64_t value) {
  return {set_key(source_hash, domain, port_value(port, value)), port_home(source_hash, port)};
}

/** The key of a count over all traffic: checked on every packet without ports, so light. */
inline set_entry overall_key(uint64_t source_hash, uint64_t domain, uint64_t value) {
  return {light_set_key(source_hash, domain, value), source_hash};
}

/**
 * The key of a source's entry in the value marks (table/value_marks.hpp) on one port: which
 * clusters, tools and techniques it was counted under there. Its country and actor are in the
 * key: a new entry is the source new to them on the port (a source forgotten and back with
 * another actor after a reload is a new entry).
 */
inline uint64_t port_marks_key(uint64_t source_hash, uint16_t port, uint8_t country,
                               uint8_t actor) {
  return light_set_key(source_hash, port_value(port, country_and_actor(country, actor)),
                       unique_domain::country_actor);
}

/** The same over all traffic: the tools and techniques a source was counted under. */
inline uint64_t total_marks_key(uint64_t source_hash, uint8_t country, uint8_t actor) {
  return light_set_key(source_hash, country_and_actor(country, actor),
                       unique_domain::country_actor_total);
}

/** The key of a fingerprint slot's distinct sources. */
inline set_entry fingerprint_count_key(uint64_t source_hash, uint64_t key_hash, uint16_t port) {
  return {set_key(source_hash, unique_domain::fingerprint, key_hash ^ port),
          fingerprint_home(source_hash, key_hash, port)};
}

/** A count per watched port. */
inline void count_per_port(unique_set& seen, source_counter& count, bool maybe_new,
                           uint64_t source_hash, uint64_t domain, uint16_t port, uint64_t value) {
  count.packets.add();
  if (maybe_new && seen.insert(per_port_key(source_hash, domain, port, value))) {
    count.sources.add();
  }
}

/** Whether a source is new to a key: looked up (and added) only when it may be. */
inline bool new_to(unique_set& seen, bool maybe_new, set_entry key) {
  return maybe_new && seen.insert(key);
}

/** A count in a keyed table; a key the table has no room for adds to `overflow`. */
inline void count_keyed(keyed_counters& table, counter& overflow, uint64_t key, uint64_t packets,
                        bool new_source) {
  if (keyed_entry* e = table.find_or_add(key)) {
    e->packets.add(packets);
    if (new_source) {
      e->sources.add();
    }
  } else {
    overflow.add(packets);
  }
}

}  // namespace scanscope
