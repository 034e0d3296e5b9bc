#pragma once
/**
 * @file
 * Reading header fields as they stand in a frame, and the EtherTypes the parser and the capture
 * link types hand on. Inline: the parser reads every field through these.
 */

#include <cstdint>

namespace scanscope {

/** The EtherTypes of IP, host order: what the capture link types put in front of a packet. */
namespace ethertype {
inline constexpr uint16_t ipv4 = 0x0800;
inline constexpr uint16_t ipv6 = 0x86DD;
}  // namespace ethertype

/** A 16-bit field in network byte order. */
inline uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

/** A 32-bit field in network byte order. */
inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

/** A 16-bit field in little-endian order (capture headers such as PPI's). */
inline uint16_t load_le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

/** A 32-bit field in little-endian order. */
inline uint32_t load_le32(const uint8_t* p) {
  return p[0] | (p[1] << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

}  // namespace scanscope
