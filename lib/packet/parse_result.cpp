#include "packet/decoded_packet.hpp"

namespace scanscope {

namespace {
constexpr const char* names[] = {
#define SCANSCOPE_X(name, help) #name,
    SCANSCOPE_PARSE_RESULTS(SCANSCOPE_X)
#undef SCANSCOPE_X
};
constexpr const char* helps[] = {
#define SCANSCOPE_X(name, help) help,
    SCANSCOPE_PARSE_RESULTS(SCANSCOPE_X)
#undef SCANSCOPE_X
};
}  // namespace

const char* parse_result_name(parse_result r) {
  auto i = static_cast<size_t>(r);
  return i < parse_result_count ? names[i] : "unknown";
}

const char* parse_result_help(parse_result r) {
  auto i = static_cast<size_t>(r);
  return i < parse_result_count ? helps[i] : "unknown";
}

}  // namespace scanscope
