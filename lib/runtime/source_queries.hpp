#pragma once
/**
 * @file
 * The source store's endpoints (docs/api.md), answered from the store while the sensor runs:
 *   /api/v1/sources/<address>                       one source: what it did, and the verdict
 *   /api/v1/sources?class=&since=&format=&n=        a list: json, csv, txt (a blocklist), nft
 */

#include <string>

#include "export/http_server.hpp"
#include "store/source_store.hpp"

namespace scanscope {

/** One source by address (IPv4 or IPv6 text): 404 when never seen, 400 when not an address. */
http_response source_lookup(const std::string& address, const source_store& store);

/**
 * The sources a query ("class=malicious&format=txt", the part after '?') selects, in its
 * format; 400 naming a bad parameter.
 */
http_response list_sources(const std::string& query, const source_store& store);

}  // namespace scanscope
