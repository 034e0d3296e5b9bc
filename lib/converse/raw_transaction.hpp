#pragma once
/**
 * @file
 * The recipient of a signed Ethereum transaction as eth_sendRawTransaction carries it (0x and
 * the hex of its bytes): a legacy transaction is an RLP list whose fourth item is `to`; a typed
 * one (EIP-2718) is a type byte and an RLP list whose `to` follows the fee fields (EIP-2930:
 * fifth item, EIP-1559 and EIP-4844: sixth). The sender is not read: it is recovered from the
 * signature, which needs secp256k1 and gives nothing the recipient does not (the sensor's own
 * account, or a key the client holds).
 */

#include <optional>
#include <string>
#include <string_view>

namespace scanscope {

/** Raw transactions longer than this (hex digits) are not read: a stolen balance is sent with
 *  a few hundred bytes; a contract deployment carries its code and names no recipient. */
inline constexpr size_t max_raw_transaction_hex = 8192;

/**
 * `to` of the raw transaction `hex` ("0x..."), as 0x and 40 lowercase hex digits; nothing when
 * the text is not one (bad hex, RLP that runs past its end, an unknown type) or the
 * transaction creates a contract (an empty `to`).
 */
std::optional<std::string> raw_transaction_recipient(std::string_view hex);

}  // namespace scanscope
