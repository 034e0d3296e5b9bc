#pragma once
/**
 * @file
 * The query strings of the JSON API: parameters percent-decoded, times in either form the API
 * takes, and the 400 that names a bad parameter.
 */

#include <cstdint>
#include <map>
#include <string>

#include "export/http_server.hpp"

namespace scanscope {

/** The query string of `target` as a map, names and values percent-decoded; later duplicates
 *  win. */
std::map<std::string, std::string> parameters(const std::string& target);

/** %XX escapes decoded; a '%' not followed by two hex digits is kept as it is. */
std::string percent_decoded(const std::string& text);

/** 400, naming what is wrong. */
http_response bad(const std::string& why);

/** Unix seconds, or ISO 8601 UTC written out in full: "YYYY-MM-DDTHH:MM:SSZ". A date that
 *  does not exist (month 13, 31 April, hour 24) is refused rather than rolled over. */
bool parse_time(const std::string& text, uint64_t& seconds);

}  // namespace scanscope
