#pragma once
/**
 * @file
 * Frame parser: Ethernet, 802.1Q/802.1ad (two tags), IPv4 with options and fragments, IPv6 with
 * its extension header chain, TCP with options, UDP, ICMP and ICMPv6. Pure: bytes in, a
 * decoded_packet out; it never reads past `length` and never allocates.
 */

#include <cstddef>
#include <cstdint>

#include "packet/decoded_packet.hpp"

namespace scanscope {

/**
 * Parse one Ethernet frame.
 * @param frame    first byte of the Ethernet header
 * @param length   bytes available at `frame` (the captured length)
 * @param wire_length length of the frame on the wire; when larger than `length` the capture was
 *                 cut short (snap length), so IP lengths beyond the captured bytes are not an error
 * @param out      filled with what was found; fields past the point where parsing stopped are zero
 * @return out.result
 */
parse_result parse_frame(const uint8_t* frame, size_t length, size_t wire_length,
                         decoded_packet& out);

/** parse_frame() for a frame captured whole. */
inline parse_result parse_frame(const uint8_t* frame, size_t length, decoded_packet& out) {
  return parse_frame(frame, length, length, out);
}

}  // namespace scanscope
