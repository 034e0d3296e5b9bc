#include "converse/port_list.hpp"

#include <cstdlib>

namespace scanscope {

std::string parse_port_list(const std::string& text, std::bitset<65536>& out) {
  out.reset();
  if (text == "all") {
    out.set();
    return {};
  }
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    const unsigned long first = std::strtoul(item.c_str(), &end, 10);
    unsigned long last = first;
    if (end != item.c_str() && *end == '-') {
      last = std::strtoul(end + 1, &end, 10);
    }
    if (item.empty() || *end != '\0' || first == 0 || last > 65535 || last < first) {
      return "'" + item + "' is not a port (1-65535) or range (A-B)";
    }
    for (unsigned long p = first; p <= last; ++p) {
      out.set(p);
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return {};
}

}  // namespace scanscope
