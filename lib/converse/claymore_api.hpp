#pragma once
/**
 * @file
 * The Claymore miner's remote management API on 3333: JSON objects over plain TCP. Status
 * requests get a plausible rig (six GPUs on an Ethereum pool); control commands (restart,
 * reboot, a file to write, GPU switches) are taken and answered as done, and recorded.
 */

#include <cstddef>
#include <cstdint>

#include "converse/emulator.hpp"

namespace scanscope {

/** Read the JSON object at the start of `data` and answer it into `answer`. */
emulation_turn answer_claymore(const emulation_context& context, const uint8_t* data, size_t length,
                               uint8_t* answer);

}  // namespace scanscope
