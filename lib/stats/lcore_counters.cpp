#include "stats/lcore_counters.hpp"

namespace scanscope {

namespace {
constexpr const char* names[] = {SCANSCOPE_PROTOCOL_CLASSES(SCANSCOPE_X_NAME)};
}  // namespace

const char* protocol_class_name(protocol_class c) {
  return name_in(names, static_cast<size_t>(c));
}

protocol_class classify_protocol(const decoded_packet& p) {
  if (p.l3 == l3_kind::none) {
    // Frames whose IP header never parsed still carried an IP EtherType.
    return p.ether_type == 0x0800 || p.ether_type == 0x86DD ? protocol_class::other_ip
                                                            : protocol_class::non_ip;
  }
  switch (p.l4) {
    case l4_kind::tcp:
      return protocol_class::tcp;
    case l4_kind::udp:
      return protocol_class::udp;
    case l4_kind::icmp:
      return protocol_class::icmp;
    case l4_kind::icmpv6:
      return protocol_class::icmpv6;
    default:
      return protocol_class::other_ip;
  }
}

}  // namespace scanscope
