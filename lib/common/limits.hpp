#pragma once
/**
 * @file
 * Limits that size counters at compile time, shared by the layers that fill them and the ones
 * that count them.
 */

#include <cstddef>

namespace scanscope {

/** Clusters a rule file may name since start (reloads included): counters hold one slot each. */
inline constexpr size_t max_clusters = 32;

/** Actor slots a source can carry (5 bits of its state): slot 0 is "no known actor". */
inline constexpr size_t actor_slots = 32;

}  // namespace scanscope
