#pragma once
/**
 * @file
 * An Ethereum node's JSON-RPC, as Geth answers it, for the scanners of 8545: accounts that
 * look held (derived from the plan's secret, the same on every run of a sensor), a block number
 * that follows the clock, unlocks that succeed and transactions that get a hash, so the client
 * goes on to the step that shows what it wants. The reports of December 2018 and Cheng et al.
 * (arXiv 1904.01981) describe the three steps: accounts, unlock, send.
 */

#include <string_view>

#include "converse/emulator.hpp"
#include "converse/fixed_json_output.hpp"

namespace scanscope {

/** Most calls in one batch; a larger batch gets one error (Geth's own limit is 1000). */
inline constexpr unsigned max_rpc_batch = 32;

/**
 * Answer a JSON-RPC body (one call or a batch) into `out`; steps and indicators into `turn`.
 * A body that is not JSON gets JSON-RPC's parse error and counts as emulation_malformed_json.
 */
void answer_ethereum_rpc(std::string_view body, const emulation_context& context,
                         emulation_turn& turn, fixed_json_output& out);

/** An Ethereum address as clients write it (0x and 40 hex digits, either case) into `out`,
 *  lowercased; false when `text` is not one. */
bool ethereum_address(std::string_view text, char (&out)[43]);

/** The node's account `index`: 0x and 40 hex digits, derived from the secret. */
void emulated_account(const emulation_plan& plan, unsigned index, char (&out)[43]);

}  // namespace scanscope
