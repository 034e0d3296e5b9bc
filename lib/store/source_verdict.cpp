#include "store/source_verdict.hpp"

#include <algorithm>

namespace scanscope {

namespace {
constexpr const char* class_names[] = {SCANSCOPE_SOURCE_CLASSES(SCANSCOPE_X_NAME)};

std::string port_text(const source_activity& a) {
  return a.port == 0 ? std::string("an unwatched port") : std::to_string(a.port) + "/" + a.protocol;
}
}  // namespace

const char* source_class_name(source_class c) { return class_names[static_cast<size_t>(c)]; }

bool parse_source_class(std::string_view name, source_class& out) {
  return named_in(class_names, name, out);
}

const std::vector<std::string>& reconnaissance_categories() {
  static const std::vector<std::string> categories = {"recon", "handshake"};
  return categories;
}

source_verdict judge_source(const stored_source& s) {
  source_verdict v;
  const stored_activity* worst = nullptr;  // the first signature past reconnaissance
  for (const stored_activity& a : s.activity) {
    const std::string& kind = a.what.kind;
    // "none" (no tool told) and "other" (no cluster rule) say nothing about the source.
    const bool says = a.what.value != "none" && a.what.value != "other";
    if ((kind == "tool" || kind == "payload_tool" || kind == "technique" || kind == "cluster" ||
         kind == "signature") &&
        says) {
      v.tags.push_back(a.what.value);
    }
    const auto& recon = reconnaissance_categories();
    if (kind == "signature" && worst == nullptr &&
        std::find(recon.begin(), recon.end(), a.what.category) == recon.end()) {
      worst = &a;
    }
  }
  std::sort(v.tags.begin(), v.tags.end());
  v.tags.erase(std::unique(v.tags.begin(), v.tags.end()), v.tags.end());
  if (!s.actor.empty()) {
    v.verdict = source_class::benign;
    v.reason = "actor " + s.actor + " (config/actors.conf)";
  } else if (worst != nullptr) {
    v.verdict = source_class::malicious;
    v.reason = "signature " + worst->what.value + " (" + worst->what.category + ") to " +
               port_text(worst->what);
  } else {
    v.verdict = source_class::unknown;
    v.reason = "no actor, and no signature past reconnaissance";
  }
  return v;
}

}  // namespace scanscope
