#pragma once
/**
 * @file
 * Reading a config file and the command line around Boost.Program_options: which line sets
 * which option (for messages that name the line), malformed lines, text Boost cannot put into a
 * message, and a hint for EAL arguments given without `--`.
 */

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace scanscope {

/** The lines of a config file: which option each sets, and the first malformed one. */
struct config_lines {
  std::vector<std::pair<std::string, std::string>> settings; /**< per line: name, value */
  std::string error;     /**< why the first malformed line is malformed ("" : none) */
  size_t error_line = 0; /**< its number */

  /** Number of the first line that sets `name` (to `value`, when given), or 0. */
  size_t line_of(std::string name, const std::string& value = {}) const;
};

/** Read a config file's lines as Boost will: `name = value`, `# comment`, `[section]`. */
config_lines read_config_lines(const std::string& path);

/**
 * The first `%name%` in text, or "". Boost.Program_options (1.74) fills such placeholders into
 * its error messages in a loop that never ends when the text filled in holds one again, so a
 * bad value such as "%value%" would hang what(): text of that shape is refused first.
 */
std::string placeholder_in(const std::string& text);

/** The first line of a config file holding a placeholder: "LINE: 'TOKEN'", or "". */
std::string placeholder_line(const std::string& path);

/** For an unknown option that is one of EAL's, given without `--`: a hint; else "". */
std::string eal_hint(const std::string& option, bool had_separator);

}  // namespace scanscope
