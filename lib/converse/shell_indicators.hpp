#pragma once
/**
 * @file
 * What a shell command line gives away: the command itself (white space collapsed), the URLs
 * it fetches, and whether it downloads something (wget, curl, tftp, ftpget). For ADB shell
 * commands and telnet lines alike. The line is read, never run.
 */

#include <string_view>

#include "converse/emulator.hpp"

namespace scanscope {

/**
 * Note the command (indicator shell_command) and its URLs (indicator url; tftp's
 * "-r FILE HOST" as tftp://HOST/FILE).
 * @return the line runs a download
 */
bool note_shell_command(std::string_view line, emulation_turn& turn);

}  // namespace scanscope
