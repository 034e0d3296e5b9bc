#include "packet/decoded_packet.hpp"

namespace scanscope {

namespace {
constexpr const char* names[] = {SCANSCOPE_PARSE_RESULTS(SCANSCOPE_X_NAME)};
constexpr const char* helps[] = {SCANSCOPE_PARSE_RESULTS(SCANSCOPE_X_HELP)};
}  // namespace

const char* parse_result_name(parse_result r) {
  return name_in(names, static_cast<size_t>(r));
}

const char* parse_result_help(parse_result r) {
  return name_in(helps, static_cast<size_t>(r));
}

}  // namespace scanscope
