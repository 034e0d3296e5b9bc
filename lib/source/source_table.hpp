#pragma once
/**
 * @file
 * The sources one RX lcore has seen: a bounded clock_hash_table of source_state, sized by
 * --source-capacity, aged by --source-idle; a full table evicts (see clock_hash_table.hpp).
 */

#include <cstdint>

#include "source/source_state.hpp"
#include "table/clock_hash_table.hpp"

namespace scanscope {

using source_table = clock_hash_table<source_key, source_state>;

/** Nothing to release when a source leaves the table. */
inline constexpr auto forget_source = [](source_state&) {};

/** The key of a packet's source address. */
source_key make_source_key(const uint8_t* addr, bool ipv6);

}  // namespace scanscope
