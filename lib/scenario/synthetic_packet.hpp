#pragma once
/**
 * @file
 * One packet of a generated scenario, as the generator intends it: header values, payload and
 * what a sensor should conclude about it (the tool it came from). Written to a frame byte by
 * byte as the RFCs lay headers out, independent of scanscope's parser.
 */

#include <cstdint>
#include <vector>

#include "fingerprint/scan_tool.hpp"
#include "packet/decoded_packet.hpp"
#include "scenario/payload_template.hpp"
#include "scenario/scenario.hpp"

namespace scanscope {

struct synthetic_packet {
  uint64_t time_ns = 0;
  uint32_t src = 0; /**< host order */
  uint32_t dst = 0;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t ip_id = 0;
  uint16_t window = 0;
  uint8_t ttl = 64;
  uint8_t tcp_flags = 0;
  bool dont_fragment = false;
  option_layout options = option_layout::none;
  const payload_template* payload = nullptr;
  scan_tool tool = scan_tool::none; /**< the built-in fingerprint this packet carries */
  uint32_t source = 0;              /**< index of its source in the generator */
  uint16_t campaign = 0;            /**< index of its campaign in the scenario */
};

/** Append the Ethernet/IPv4/TCP frame of a packet (checksums filled in) to `frame`. */
void write_frame(const synthetic_packet& p, std::vector<uint8_t>& frame);

/** The header fields a sensor reads from the packet, filled from the intent (no parsing). */
decoded_packet intended_headers(const synthetic_packet& p);

}  // namespace scanscope
