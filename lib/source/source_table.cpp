#include "source/source_table.hpp"

#include <cstring>

namespace scanscope {

const char* source_port_behaviour_name(source_port_behaviour b) {
  static constexpr const char* names[] = {SCANSCOPE_SOURCE_PORT_BEHAVIOURS(SCANSCOPE_X_NAME)};
  return name_in(names, static_cast<size_t>(b));
}

source_key make_source_key(const uint8_t* addr, bool ipv6) {
  source_key k{};
  if (ipv6) {
    std::memcpy(k.bytes, addr, 16);
  } else {
    k.bytes[10] = 0xFF;
    k.bytes[11] = 0xFF;
    std::memcpy(k.bytes + 12, addr, 4);
  }
  return k;
}

}  // namespace scanscope
