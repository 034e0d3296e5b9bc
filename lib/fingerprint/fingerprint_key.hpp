#pragma once
/**
 * @file
 * A compact, p0f-like key of the header features that tell scanning tools apart: transport,
 * likely initial TTL, window, MSS, window scale, TCP option layout, DF, the IP ID relation,
 * flags and whether a payload rode along. Two packets from the same tool build get the same key,
 * so the most common keys per port show a new tool without anyone writing a rule.
 */

#include <cstdint>
#include <string>

#include "packet/decoded_packet.hpp"

namespace scanscope {

struct fingerprint_key {
  uint64_t lo = 0; /**< window, MSS, window scale, initial TTL, flags, misc bits */
  uint64_t hi = 0; /**< option layout (8 kinds, 4 bits each), option count, transport */

  bool operator==(const fingerprint_key& o) const { return lo == o.lo && hi == o.hi; }
  bool operator!=(const fingerprint_key& o) const { return !(*this == o); }
  /** A well-mixed 64-bit hash of the key. */
  uint64_t hash() const;
};

/** Build the key of a TCP or UDP packet (or ICMP: transport and TTL only). */
fingerprint_key make_fingerprint_key(const decoded_packet& p);

/**
 * Readable form, e.g. "tcp:64:1024:mss1460:ws-:M:df0:id=other:S:pl0", fields in this order:
 * transport, initial TTL, window, MSS, window scale, option layout (E EOL, N NOP, M MSS,
 * W window scale, S SACK permitted, K SACK, T timestamps, ? other; "-" none; "+" more than 8),
 * DF bit, IP ID relation, TCP flags (FSRPAUEC), payload present.
 */
std::string to_string(const fingerprint_key& k);

}  // namespace scanscope

namespace scanscope {

/** The TCP option layout as a number: 4 bits per kind (first 8 kinds) and the count above. */
uint64_t option_layout_code(const tcp_options& o);

/**
 * Parse a layout written with the letters of to_string() ("MSTNW", "M", "-" for none).
 * @return false on a letter that is not a layout letter, or more than 8 letters
 */
bool parse_option_layout(const std::string& text, uint64_t& code);

}  // namespace scanscope
