// libFuzzer target: any text as a scenario file. Small scenarios that parse are generated for
// their first two hours too, and every frame is written, so the generator sees hostile values
// (extreme profiles, windows at the edges, one-address darknets).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "geo/location_db.hpp"
#include "scenario/scenario.hpp"
#include "scenario/scenario_generator.hpp"

using namespace scanscope;

namespace {

/** Generation is bounded: a few thousand probes at most. */
bool small(const scenario& s) {
  for (const campaign& c : s.campaigns) {
    double peak = 1;
    for (const rate_point& p : c.profile) {
      peak = std::max(peak, p.factor);
    }
    if (c.sources > 1000 || c.rate * peak > 2000) {
      return false;
    }
  }
  return s.campaigns.size() <= 4;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<location_db> db = [] {
    std::string error;
    return location_db::load("", error);
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  std::optional<scenario> s = scenario::parse(text, "fuzz.scn", error);
  if (!s || !db || !small(*s)) {
    return 0;
  }
  std::unique_ptr<scenario_generator> gen = scenario_generator::create(*s, *db, error);
  if (!gen) {
    return 0;
  }
  std::vector<synthetic_packet> packets;
  std::vector<uint8_t> frame;
  for (int h = 0; h < 2; ++h) {
    gen->generate_hour(gen->first_hour() + h * scenario_generator::hour, packets);
    for (const synthetic_packet& p : packets) {
      frame.clear();
      write_frame(p, frame);
    }
  }
  return 0;
}
