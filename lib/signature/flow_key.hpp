#pragma once
/** @file The key of a TCP flow the payload scanner follows. */

#include <cstdint>

namespace scanscope {

/** A TCP connection as the sensor sees it: one direction, client to server. */
struct flow_key {
  uint8_t src[16];   /**< source address (IPv4 in the first 4 bytes) */
  uint8_t dst[16];   /**< destination address */
  uint16_t src_port; /**< source port */
  uint16_t dst_port; /**< destination port */
  uint32_t zero;     /**< padding, always 0 (hashed with the key) */
};

}  // namespace scanscope
