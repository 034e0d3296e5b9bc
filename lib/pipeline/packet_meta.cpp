#include "pipeline/packet_meta.hpp"

#include <rte_errno.h>

namespace scanscope {

int packet_meta_offset = -1;

std::string register_packet_meta() {
  static const rte_mbuf_dynfield desc = {"scanscope_packet_meta", sizeof(packet_meta),
                                         alignof(packet_meta), 0};
  packet_meta_offset = rte_mbuf_dynfield_register(&desc);
  if (packet_meta_offset < 0) {
    return std::string("cannot register mbuf field scanscope_packet_meta: ") +
           rte_strerror(rte_errno);
  }
  return {};
}

}  // namespace scanscope
