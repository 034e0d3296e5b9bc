#include "packet/decoded_packet.hpp"

namespace scanscope {

namespace {
constexpr const char* names[] = {SCANSCOPE_PARSE_RESULTS(SCANSCOPE_X_NAME)};
constexpr const char* helps[] = {SCANSCOPE_PARSE_RESULTS(SCANSCOPE_X_HELP)};
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
