#include "stats/counter_families.hpp"

#include <array>

namespace scanscope {

namespace {

constexpr std::array<family_info, counter_family_count> families = {{
#define SCANSCOPE_X(id, kind, when, labels, report, help) \
  {"scanscope_" #id, #kind, #when, labels, report, help},
    SCANSCOPE_COUNTER_FAMILIES(SCANSCOPE_X)
#undef SCANSCOPE_X
}};

}  // namespace

const family_info& family(counter_family f) { return families[static_cast<size_t>(f)]; }

}  // namespace scanscope
