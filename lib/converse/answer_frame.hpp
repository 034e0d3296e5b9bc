#pragma once
/**
 * @file
 * The frames a responder sends: a TCP segment back to the client of a received frame, over the
 * same link header (MAC addresses swapped, VLAN tags kept), IPv4 or IPv6. Options are kept to
 * the minimum a client needs: an MSS on the SYN-ACK and nothing else, so the answer says as
 * little as possible about the sensor.
 */

#include <cstddef>
#include <cstdint>

#include "packet/decoded_packet.hpp"

namespace scanscope {

/** What one answer says. */
struct answer_segment {
  uint8_t flags = 0;    /**< tcp_flag bits */
  uint32_t seq = 0;     /**< our sequence number */
  uint32_t ack = 0;     /**< what we acknowledge (with tcp_flag::ack) */
  uint16_t window = 0;  /**< receive window, unscaled */
  uint16_t mss = 0;     /**< MSS option value (0: no option) */
  const uint8_t* data = nullptr; /**< bytes the segment carries (an emulated answer) */
  uint16_t data_length = 0;      /**< at most max_segment_data */
};

/** Room for the largest answer: two VLAN tags, IPv6, TCP with an MSS option. */
inline constexpr size_t max_answer_bytes = 14 + 8 + 40 + 24;
/** Data one answer segment carries at most: below any MSS a client on an Ethernet path takes. */
inline constexpr size_t max_segment_data = 1400;
/** Room for the largest answer with data. */
inline constexpr size_t max_answer_frame_bytes = max_answer_bytes + max_segment_data;

/**
 * Write the answer to `p` (parsed from `frame`, an Ethernet frame) into `out`.
 * @return the frame's length, or 0 when `p` is not a TCP segment over Ethernet
 */
size_t build_answer(const uint8_t* frame, const decoded_packet& p, const answer_segment& a,
                    uint8_t* out);

/** RFC 1071 one's-complement sum of a buffer, folded but not inverted, plus `initial`. */
uint32_t ones_complement_sum(const uint8_t* data, size_t length, uint32_t initial = 0);

}  // namespace scanscope
