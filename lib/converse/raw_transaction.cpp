// Reading RLP (the Ethereum Yellow Paper, appendix B) as far as a transaction's `to`: every
// length is checked against what is left, so a short or lying text ends the read, never runs
// past the input.
#include "converse/raw_transaction.hpp"

#include <cstdint>

#include "common/text.hpp"

namespace scanscope {

namespace {

/** One RLP item: where its payload is, and whether it is a list. */
struct rlp_item {
  size_t start = 0;   // payload offset
  size_t length = 0;  // payload length
  bool list = false;
};

/** A big-endian length of `n` bytes at `at`; false when it does not fit what is there. */
bool read_length(const uint8_t* b, size_t at, size_t n, size_t limit, size_t& out) {
  if (n > sizeof(size_t) || at + n > limit) {
    return false;
  }
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    out = out << 8 | b[at + i];
  }
  return true;
}

/** The item at `at`, which must end by `limit`. */
bool read_item(const uint8_t* b, size_t at, size_t limit, rlp_item& item) {
  if (at >= limit) {
    return false;
  }
  const uint8_t p = b[at];
  size_t header = 1;
  if (p < 0x80) {  // a single byte, its own payload
    item = {at, 1, false};
    return true;
  }
  item.list = p >= 0xc0;
  const uint8_t base = item.list ? 0xc0 : 0x80;
  if (p - base <= 55) {
    item.length = p - base;
  } else {
    const size_t n = p - base - 55;
    if (!read_length(b, at + 1, n, limit, item.length)) {
      return false;
    }
    header += n;
  }
  item.start = at + header;
  return item.start <= limit && item.length <= limit - item.start;
}

}  // namespace

std::optional<std::string> raw_transaction_recipient(std::string_view hex) {
  if (hex.size() < 2 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X') ||
      hex.size() > max_raw_transaction_hex + 2) {
    return std::nullopt;
  }
  // On the stack: this runs on an RX lcore, which allocates nothing per packet.
  uint8_t b[max_raw_transaction_hex / 2];
  const long decoded = decode_hex(hex.substr(2), b, sizeof b);
  if (decoded <= 0) {
    return std::nullopt;
  }
  const auto size = static_cast<size_t>(decoded);
  // Legacy: [nonce, gasPrice, gas, to, ...]. Typed: 0x01 [chainId, nonce, gasPrice, gas, to,
  // ...]; 0x02 and 0x03 [chainId, nonce, maxPriorityFee, maxFee, gas, to, ...].
  size_t at = 0;
  size_t to_index = 3;
  if (b[0] < 0x7f) {
    if (b[0] == 0x01) {
      to_index = 4;
    } else if (b[0] == 0x02 || b[0] == 0x03) {
      to_index = 5;
    } else {
      return std::nullopt;
    }
    at = 1;
  }
  rlp_item list;
  if (!read_item(b, at, size, list) || !list.list) {
    return std::nullopt;
  }
  const size_t end = list.start + list.length;
  rlp_item field;
  size_t next = list.start;
  for (size_t i = 0; i <= to_index; ++i) {
    if (!read_item(b, next, end, field) || field.list) {
      return std::nullopt;
    }
    next = field.start + field.length;
  }
  if (field.length != 20) {
    return std::nullopt;  // an empty `to` creates a contract; anything else is not an address
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string to = "0x";
  for (size_t i = 0; i < 20; ++i) {
    to += digits[b[field.start + i] >> 4];
    to += digits[b[field.start + i] & 0xf];
  }
  return to;
}

}  // namespace scanscope
