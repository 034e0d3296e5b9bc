#pragma once
// Frames held in memory as the offline reader presents them: from the captures of test/data,
// and sampled from a seed scenario's hours.

#include <cstdint>
#include <string>
#include <vector>

#include "geo/location_db.hpp"

namespace scanscope::test {

/** A frame as the offline reader presents it: Ethernet, with its record's lengths. */
struct held_frame {
  std::vector<uint8_t> data;
  uint32_t wire_length = 0;
  uint64_t time_ns = 0;
  int32_t link_bytes = 0;
};

/** Every record of a capture, presented as Ethernet (packet/capture_link.hpp). */
std::vector<held_frame> read_capture(const std::string& path);

/** The captures of test/data, in name order. */
std::vector<std::string> test_captures();

/** The first `per_hour` packets of every hour of config/scenarios/`name`.scn. */
std::vector<held_frame> scenario_sample(const std::string& name, const location_db& geo,
                                        size_t per_hour);

}  // namespace scanscope::test
