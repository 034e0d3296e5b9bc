// libFuzzer target: any bytes as a frame through the parser, the tool rules, the fingerprint
// key and the cluster rules. Seeds: the frames of the captures in test/data.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cluster/cluster_rules.hpp"
#include "fingerprint/fingerprint_key.hpp"
#include "fingerprint/scan_tool.hpp"
#include "packet/parser.hpp"
#include "stats/lcore_counters.hpp"

using namespace scanscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cluster_rules rules = [] {
    std::string error;
    return *cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
  }();
  decoded_packet p;
  for (size_t wire : {size, size + 1500}) {  // whole, and cut short by a snap length
    parse_frame(data, size, wire, p);
    if (p.payload_offset + p.payload_length > size) {
      __builtin_trap();  // the parser promised never to point past the frame
    }
    const scan_tool tool = identify_tool(p);
    const fingerprint_key key = make_fingerprint_key(p);
    volatile size_t sink = to_string(key).size() + static_cast<size_t>(classify_protocol(p));
    (void)sink;
    rules.classify(packet_traits{&p, tool, source_port_behaviour::unknown});
  }
  return 0;
}
