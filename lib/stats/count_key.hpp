#pragma once
/**
 * @file
 * The one packing of the keys counts are kept under: what is counted (a series kind, a campaign
 * scope, a lead dimension), the watched-port index, the value and the source's country, in 64
 * bits ordered as the fields are (maps keyed by it list by what, then port, value, country).
 */

#include <cstdint>

namespace scanscope {

template <class What>
struct count_key {
  What what{};         /**< 8 bits: the kind of count */
  uint16_t port = 0;   /**< watched-port index */
  uint32_t value = 0;  /**< the dimension's value (an AS number needs all 32 bits) */
  uint8_t country = 0; /**< country index, where the count is split by country */

  /** High to low: what 8 bits, port 16, value 32, country 8. */
  constexpr uint64_t packed() const {
    return (uint64_t{static_cast<uint8_t>(what)} << 56) | (uint64_t{port} << 40) |
           (uint64_t{value} << 8) | country;
  }

  static constexpr count_key of(uint64_t packed) {
    return {static_cast<What>(packed >> 56), static_cast<uint16_t>(packed >> 40),
            static_cast<uint32_t>(packed >> 8), static_cast<uint8_t>(packed)};
  }
};

}  // namespace scanscope
