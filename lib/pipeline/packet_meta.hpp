#pragma once
/**
 * @file
 * Per-mbuf metadata for frames that do not come straight from a NIC: the capture time and the
 * original length of a pcap record. Kept in an mbuf dynamic field registered at start-up.
 */

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <cstdint>
#include <string>

namespace scanscope {

struct packet_meta {
  uint64_t time_ns;     /**< capture time, nanoseconds since the Unix epoch */
  uint32_t wire_length; /**< frame length on the wire (the record may hold fewer bytes) */
  /** The capture's own link header minus the Ethernet header the frame is presented with
   *  (+2 for Linux cooked, -14 for raw IP): bytes on the capture's link = wire_length + this. */
  int32_t link_bytes;
};

/**
 * Register the dynamic field once per process (after EAL init).
 * @return empty on success, else DPDK's reason
 */
std::string register_packet_meta();

/** Offset of the field; valid after register_packet_meta(). */
extern int packet_meta_offset;

inline packet_meta& meta_of(rte_mbuf* m) {
  return *RTE_MBUF_DYNFIELD(m, packet_meta_offset, packet_meta*);
}

}  // namespace scanscope
