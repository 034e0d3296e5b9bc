// libFuzzer target: any text as a cluster rule file and as a signature rule file. Small
// signature sets that parse are compiled too, so Hyperscan sees hostile patterns.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cluster/cluster_rules.hpp"
#include "signature/signature_db.hpp"

using namespace scanscope;

namespace {

// Hyperscan's compile time and memory grow with bounded repeats, and nested ones multiply:
// `\w{30000}` is accepted after 1.2 s in a release build and 20 s under ASan, `(\w{999}x){9}`
// takes over 1 GB. That is Hyperscan's cost for a legal pattern, not a fault to find here, so
// texts whose `{n}` / `{n,m}` bounds multiply past a limit are parsed but not compiled.
bool repeats_small(std::string_view text) {
  constexpr unsigned long limit = 1000;
  unsigned long product = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      continue;
    }
    // The bounds of `{n}`, `{n,}` or `{n,m}`: the larger one counts.
    unsigned long largest = 0;
    unsigned long number = 0;
    for (size_t j = i + 1; j < text.size(); ++j) {
      const char c = text[j];
      if (c == ',') {
        number = 0;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        number = number * 10 + static_cast<unsigned long>(c - '0');
        if (number > limit) {
          return false;
        }
        largest = std::max(largest, number);
      } else {
        break;
      }
    }
    product *= std::max(largest, 1ul);
    if (product > limit) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  cluster_rules::parse(text, "fuzz.conf", error);
  auto rules = parse_signature_rules(text, "fuzz.rules", error);
  // Compiling is slow for large sets; a handful of short patterns keeps runs fast.
  if (rules && rules->size() <= 4 && size <= 512 && repeats_small(text)) {
    signature_db::build(std::move(*rules), "fuzz.rules", std::string(text), "", error);
  }
  return 0;
}
