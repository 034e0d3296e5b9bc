#pragma once
/**
 * @file
 * A dimension's value in words (series_dimensions.hpp's value_form), the one place each form is
 * written: the series files, the fleet rows, the report's buckets and campaigns, and the API all
 * name values here. `Names` tells the names behind the indexes of the rules in use:
 * cluster(i), rule(i), actor(slot) (what each writes for an index out of range is its own:
 * the report "?", the series files ""), and fingerprint(port, short) (empty: write the short's
 * hex).
 */

#include <cstdio>
#include <string>

#include "fingerprint/scan_technique.hpp"
#include "fingerprint/scan_tool.hpp"
#include "stats/series_dimensions.hpp"

namespace scanscope {

/** 4 hex digits of a fingerprint_short: how a fingerprint entry names its key. */
inline std::string fingerprint_hex(uint32_t short_hash) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "%04x", short_hash & 0xFFFF);
  return hex;
}

template <typename Names>
std::string value_words(const Names& names, value_form form, uint16_t port, uint32_t value) {
  switch (form) {
    case value_form::none:
      return "";
    case value_form::cluster:
      return names.cluster(value);
    case value_form::rule:
      return names.rule(value);
    case value_form::tool:
      return value < scan_tool_count ? scan_tool_name(static_cast<scan_tool>(value)) : "?";
    case value_form::actor:
      return names.actor(value);
    case value_form::fingerprint: {
      std::string words = names.fingerprint(port, value);
      return words.empty() ? fingerprint_hex(value) : words;
    }
    case value_form::as_number:
      return std::to_string(value);
    case value_form::conversation_step:
      return name_in(conversation_stage_names, value, "?");
    case value_form::technique:
      return value < scan_technique_count ? scan_technique_name(static_cast<scan_technique>(value))
                                          : "?";
  }
  return "?";
}

/** The value of series key `kind` in words. */
template <typename Names>
std::string value_words(const Names& names, series_key::kind kind, uint16_t port,
                        uint32_t value) {
  return value_words(names, dimension_of(kind).form, port, value);
}

}  // namespace scanscope
