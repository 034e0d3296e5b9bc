#pragma once
/**
 * @file
 * Lists of TCP ports as options give them: "all", or ports and ranges ("8545,3333,8000-8100").
 */

#include <bitset>
#include <string>

namespace scanscope {

/** Parse `text` into `out` (cleared first). @return empty, or which item is not a port */
std::string parse_port_list(const std::string& text, std::bitset<65536>& out);

}  // namespace scanscope
