#pragma once
/**
 * @file
 * A short list of IPv4 and IPv6 prefixes and the test "is this address inside one". Used for
 * the monitored prefixes (which frames are inbound), the addresses a responder never answers
 * and the operator's exemptions. Lists are short (tens of prefixes): a linear walk over 16-byte
 * masks is a few cycles per prefix and needs no tree.
 */

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "packet/wire.hpp"

namespace scanscope {

/** The first 12 bytes of an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
inline constexpr uint8_t v4_mapped_head[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

/** Is a 16-byte address an IPv4 address mapped as ::ffff:a.b.c.d? */
inline bool is_v4_mapped(const uint8_t* addr16) {
  for (size_t i = 0; i < sizeof v4_mapped_head; ++i) {
    if (addr16[i] != v4_mapped_head[i]) {
      return false;
    }
  }
  return true;
}

/** One prefix, IPv4 held as ::ffff:a.b.c.d/(96 + length). */
struct address_prefix {
  uint8_t bytes[16];  /**< network address, host bits cleared */
  uint8_t mask[16];   /**< length as a byte mask */
  uint8_t length = 0; /**< prefix length in the mapped 128-bit space */
  bool v4 = false;    /**< written as an IPv4 prefix */
};

class prefix_set {
 public:
  /**
   * Parse a comma-separated list ("192.0.2.0/24,2001:db8::/32"); a bare address is a /32 or
   * /128. Host bits set below the length are an error (a typo there usually widens the net).
   * @return empty on success, else what is wrong with which item
   */
  std::string add_list(std::string_view list);
  /** Add one prefix; same errors as add_list(). */
  std::string add(std::string_view prefix);

  /** Is the 16-byte address (IPv4 mapped as ::ffff:a.b.c.d) inside one of the prefixes? */
  bool contains(const uint8_t* addr16) const;
  /** Same for an address as the parser stores it: IPv4 in the first 4 bytes when !v6. */
  bool contains_packet_address(const uint8_t* addr, bool v6) const {
    return v6 ? contains_v6(addr) : contains_v4(addr);
  }
  /** An IPv4 address in network order: one mask and compare per IPv4 prefix. */
  bool contains_v4(const uint8_t* addr4) const {
    const uint32_t a = load_be32(addr4);
    for (const v4_prefix& p : v4_) {
      if ((a & p.mask) == p.net) {
        return true;
      }
    }
    return false;
  }
  /** An IPv6 address (not IPv4-mapped). */
  bool contains_v6(const uint8_t* addr16) const;

  bool empty() const { return prefixes_.empty(); }
  size_t size() const { return prefixes_.size(); }
  const std::vector<address_prefix>& prefixes() const { return prefixes_; }
  /** "198.51.100.0/24, 2001:db8::/32" for logs. */
  std::string describe() const;

 private:
  /** IPv4 prefixes again as host-order words, for the per-packet test. */
  struct v4_prefix {
    uint32_t net;
    uint32_t mask;
  };
  std::vector<address_prefix> prefixes_;
  std::vector<v4_prefix> v4_;
};

/**
 * Sources a responder never answers: addresses that cannot be a genuine scanner on the public
 * Internet, or whose owners would receive unsolicited answers if their address were spoofed.
 * RFC 6890's special-purpose registries: 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4, 240/4;
 * and ::/128, ::1/128, 64:ff9b:1::/48, 100::/64, 2001:2::/48, 2001:db8::/32, 3fff::/20, fc00::/7,
 * fe80::/10, ff00::/8.
 */
const prefix_set& special_purpose_prefixes();

/** Format a 16-byte address (IPv4 mapped) as text. */
std::string format_address(const uint8_t* addr16);

/** The 16-byte form of a parser address: IPv4 (first 4 bytes) mapped to ::ffff:a.b.c.d. */
inline void map_address(const uint8_t* addr, bool v6, uint8_t* out16) {
  if (v6) {
    for (int i = 0; i < 16; ++i) {
      out16[i] = addr[i];
    }
    return;
  }
  for (int i = 0; i < 10; ++i) {
    out16[i] = 0;
  }
  out16[10] = 0xFF;
  out16[11] = 0xFF;
  for (int i = 0; i < 4; ++i) {
    out16[12 + i] = addr[i];
  }
}

}  // namespace scanscope
