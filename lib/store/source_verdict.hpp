#pragma once
/**
 * @file
 * A verdict on a stored source, with its reason (docs/sources.md):
 * - benign: the source belongs to a known scanning organisation (config/actors.conf);
 * - malicious: it sent a payload that matched a signature whose category (the rule file's) is
 *   not a reconnaissance one: an exploit, a download, theft, hijack, credentials ...;
 * - unknown: neither.
 * Tags are the source's tools, clusters and signatures, by name.
 */

#include <string>
#include <string_view>
#include <vector>

#include "common/x_list.hpp"
#include "store/source_store.hpp"

namespace scanscope {

/** X(class, meaning) */
#define SCANSCOPE_SOURCE_CLASSES(X)                                                   \
  X(benign, "a known scanning organisation's (an actor)")                             \
  X(malicious, "sent a payload of a category past reconnaissance")                    \
  X(unknown, "no actor, and no signature past reconnaissance")

SCANSCOPE_ENUM_OF_LIST(source_class, SCANSCOPE_SOURCE_CLASSES);

/** "benign", "malicious", "unknown". */
const char* source_class_name(source_class c);
/** The class named `name`; false when none is. */
bool parse_source_class(std::string_view name, source_class& out);

/** Signature categories that only look (not malicious on their own): recon and handshake. */
const std::vector<std::string>& reconnaissance_categories();

struct source_verdict {
  source_class verdict = source_class::unknown;
  std::string reason;
  std::vector<std::string> tags; /**< sorted, each once */
};

/** Judge `s` by what the store holds of it. */
source_verdict judge_source(const stored_source& s);

}  // namespace scanscope
