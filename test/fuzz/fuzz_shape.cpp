// libFuzzer target: two frames whose probe shapes are equal must get the same answer from the
// tool rules (for every chance-rule doubt), the fingerprint key and nmap's UDP shape: the
// shape memo gives a probe its source's last answer on that promise
// (fingerprint/probe_shape.hpp). Input: [length of the first frame, 2 bytes little-endian]
// [first frame][second frame]. Seeds: each frame of the captures in test/data, twice.
#include <cstddef>
#include <cstdint>

#include "fingerprint/fingerprint_key.hpp"
#include "fingerprint/probe_shape.hpp"
#include "fingerprint/scan_tool.hpp"
#include "packet/parser.hpp"

using namespace scanscope;

namespace {

/** Everything a shape stands for, for one doubt value. */
bool same_answer(const decoded_packet& a, const decoded_packet& b) {
  for (uint8_t d = 0; d < 4; ++d) {
    uint8_t da = d, db = d;
    if (identify_tool(a, da) != identify_tool(b, db) || (da & 3) != (db & 3)) {
      return false;
    }
  }
  return make_fingerprint_key(a) == make_fingerprint_key(b) &&
         nmap_udp_shape(a) == nmap_udp_shape(b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  const size_t first = data[0] | (size_t{data[1]} << 8);
  if (first > size - 2) {
    return 0;
  }
  decoded_packet a, b;
  parse_frame(data + 2, first, a);
  parse_frame(data + 2 + first, size - 2 - first, b);
  if (shape_of(a) == shape_of(b) && !same_answer(a, b)) {
    __builtin_trap();  // a field a rule reads is missing from the shape
  }
  return 0;
}
