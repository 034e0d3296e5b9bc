#pragma once
/**
 * @file
 * A BusyBox device's telnet, as Mirai and its kin expect it: a login prompt, a password prompt,
 * then a root shell prompt for every line. Nothing is echoed or run; no option is negotiated
 * (the client's IAC sequences are read and dropped), and nothing the client sends is said back
 * (so Mirai's "/bin/busybox NAME" check, which wants NAME echoed in an error, ends its loader
 * there: a fair price for never reflecting a client's bytes).
 */

#include <cstddef>
#include <cstdint>

#include "converse/emulator.hpp"

namespace scanscope {

/** The login prompt, sent when the handshake completes. */
emulation_turn greet_telnet(const emulation_context& context, uint8_t* answer);

/** Read one line at the start of `data` (IAC sequences dropped) and answer it. */
emulation_turn answer_telnet(const emulation_context& context, const uint8_t* data, size_t length,
                             uint8_t* answer);

}  // namespace scanscope
