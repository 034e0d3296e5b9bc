// libFuzzer target: any text as a cluster rule file and as a signature rule file. Small
// signature sets that parse are compiled too, so Hyperscan sees hostile patterns.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cluster/cluster_rules.hpp"
#include "signature/signature_db.hpp"

using namespace scanscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  cluster_rules::parse(text, "fuzz.conf", error);
  auto rules = parse_signature_rules(text, "fuzz.rules", error);
  // Compiling is slow for large sets; a handful of short patterns keeps runs fast.
  if (rules && rules->size() <= 4 && size <= 512) {
    signature_db::build(std::move(*rules), "fuzz.rules", std::string(text), "", error);
  }
  return 0;
}
