#pragma once
/**
 * @file
 * An Android device's debug bridge on 5555, open without authentication as the TV boxes that
 * ADB.Miner spread over were: CNXN gets a device banner, `shell:` and `exec:` commands get an
 * empty output and a close, and the sync service takes pushed files (STAT, SEND, DATA, DONE),
 * hashing them with SHA-256 as they pass; nothing is written anywhere. One ADB message per turn
 * (24-byte header, then its data); the device advertises 4096-byte messages.
 */

#include <cstddef>
#include <cstdint>

#include "converse/emulator.hpp"

namespace scanscope {

/** Largest message data the device takes (its CNXN says so). */
inline constexpr uint32_t adb_max_data = 4096;

/** Read the ADB message at the start of `data` and answer it. */
emulation_turn answer_adb(const emulation_context& context, const uint8_t* data, size_t length,
                          uint8_t* answer);

}  // namespace scanscope
