#pragma once
/**
 * @file
 * The source store's endpoints (docs/api.md), answered from the store while the sensor runs:
 *   /api/v1/sources/<address>                       one source: what it did, and the verdict
 *   /api/v1/sources?class=&since=&format=&n=        a list: json, csv, txt (a blocklist), nft
 */

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "export/http_server.hpp"
#include "store/source_store.hpp"

namespace scanscope {

/** What the store has not taken yet of one source, while the sensor runs. */
struct unwritten_sightings {
  std::optional<source_sighting> writing; /**< in the write under way (maybe written already) */
  std::optional<source_sighting> recent;  /**< closed buckets queued, and the open ones */
};

/** Where a live lookup finds what the store has not taken yet. */
struct unwritten_lookup {
  /** A source's unwritten sightings by its canonical text and its 16 bytes (IPv4 mapped). */
  std::function<unwritten_sightings(const std::string& address, const uint8_t* source)> find;
  /** Changes each time merged buckets are taken into a write: a lookup that saw it change
   *  between find() and the store's answer may have counted them twice, and asks again. */
  std::function<uint64_t()> generation;

  explicit operator bool() const { return static_cast<bool>(find); }
};

/**
 * One source by address (IPv4 or IPv6 text): 404 when never seen, 400 when not an address.
 * @param unwritten what is not in the store yet (live); empty: the store is all (offline)
 */
http_response source_lookup(const std::string& address, const source_store& store,
                            const unwritten_lookup& unwritten = {});

/** The most sources a list over HTTP gives without `n`: the stats loop answers it. */
inline constexpr size_t http_list_sources = 100000;

/**
 * The sources a query ("class=malicious&format=txt", the part after '?') selects, in its
 * format; 400 naming a bad parameter.
 * @param default_n the most listed when the query has no `n` (0: every one)
 */
http_response list_sources(const std::string& query, const source_store& store,
                           size_t default_n = http_list_sources);

}  // namespace scanscope
