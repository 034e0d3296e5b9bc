#pragma once
/**
 * @file
 * The country code of sources no network of the location database holds (private, unrouted,
 * special-purpose), and of every source when no database is loaded: ISO 3166's user-assigned
 * "ZZ", the code every report, label and file writes for them.
 */

namespace scanscope {

inline constexpr char unknown_country_code[] = "ZZ";

}  // namespace scanscope
