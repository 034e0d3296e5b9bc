#pragma once
/**
 * @file
 * What a set of captures is, as a number: a rerun over the same captures (a copy, another path)
 * is recognised, so it fills what an earlier run left missing instead of counting it twice.
 * Each capture is read at its size, its first and its last MiB, in the order given: captures
 * that differ only in their middle are taken for the same; anything else is another input.
 */

#include <optional>
#include <string>
#include <vector>

#include <cstdint>

namespace scanscope {

/**
 * @return the identity (never 0), or nothing when a capture cannot be read (the run reports
 *         that capture itself; without an identity it counts as a new input)
 */
std::optional<uint64_t> capture_identity(const std::vector<std::string>& paths);

}  // namespace scanscope
