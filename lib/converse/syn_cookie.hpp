#pragma once
/**
 * @file
 * Stateless SYN cookies: the responder's initial sequence number is a keyed hash of the
 * connection's addresses and ports and a time slot, so the client's ACK proves the handshake
 * without any per-connection state on the sensor.
 *
 * The top 4 bits carry a small tag (the scanning tool that sent the SYN, and whether the SYN
 * was a two-phase follow-up), masked by hash bits, so the ACK and the payload that follow can be
 * counted under the SYN's tool. 28 bits remain to check: a forged ACK passes once in 2^28 per
 * slot tried.
 */

#include <cstddef>
#include <cstdint>

namespace scanscope {

/** The connection as the client sent it (addresses in network order, IPv4 mapped). */
struct connection_tuple {
  uint8_t client[16];   /**< the scanner's address */
  uint8_t server[16];   /**< the monitored address it probed */
  uint16_t client_port; /**< its source port */
  uint16_t server_port; /**< the probed port */
};

/** SipHash-2-4 of a buffer (Aumasson and Bernstein, 2012), written from the paper. */
uint64_t siphash24(const uint64_t key[2], const void* data, size_t length);

class syn_cookies {
 public:
  /** Tags fit in 4 bits. */
  static constexpr uint32_t tag_bits = 4;
  static constexpr uint32_t tag_mask = (1u << tag_bits) - 1;
  static constexpr uint32_t check_bits = 32 - tag_bits;
  static constexpr uint32_t check_mask = (1u << check_bits) - 1;
  /** A cookie is good for the slot it was made in and the next: 64 to 128 seconds. */
  static constexpr uint64_t slot_seconds = 64;

  /** A secret from the kernel's random source (getrandom); one per process. */
  syn_cookies();
  /** A fixed secret, for tests. */
  syn_cookies(uint64_t k0, uint64_t k1) : key_{k0, k1} {}

  /** The sequence number to answer a SYN with. */
  uint32_t make(const connection_tuple& t, uint64_t time_ns, uint32_t tag) const;

  /**
   * Check the responder's sequence number that a segment acknowledges, i.e. its ACK number
   * minus what it acknowledges beyond the SYN (1 for the SYN itself).
   * @param[out] tag the tag given to make() when the cookie is good
   * @return true when the cookie was made for this tuple in this slot or the one before
   */
  bool check(const connection_tuple& t, uint64_t time_ns, uint32_t cookie, uint32_t& tag) const;

 private:
  uint64_t hash(const connection_tuple& t, uint64_t slot) const;
  uint64_t key_[2];
};

}  // namespace scanscope
