#pragma once
/**
 * @file
 * Payloads the scenario generator sends after a handshake: the requests the seed reports
 * describe, each with the signature rules (config/signatures.rules) a reader of the request
 * expects to fire. Those expectations were written from the requests, not from scanscope.
 */

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scanscope {

/** A rule the payload must fire, and the destination ports the rule watches (none: any). */
struct expected_signature {
  const char* rule;
  std::vector<uint16_t> ports;

  bool applies_to(uint16_t port) const;
};

/** A step of an attack the payload reaches, for a reader of its protocol on these ports
 *  (docs/responder.md's default ports of each protocol --emulate names). */
struct expected_step {
  const char* step;
  std::vector<uint16_t> ports;
};

/** Something the payload gives away: its kind, its text, on the same ports as its steps. */
struct expected_indicator {
  const char* kind;
  std::string value;
  std::vector<uint16_t> ports;
};

struct payload_template {
  const char* name;                           /**< as named in scenario files */
  const char* description;                    /**< one line for --list-payloads */
  std::string bytes;                          /**< the segment's payload */
  std::vector<expected_signature> signatures; /**< rules that must match it */
  std::vector<expected_step> steps = {};      /**< steps a reader of its protocol counts */
  std::vector<expected_indicator> indicators = {}; /**< what it gives away */
};

/** Every template, in a fixed order. */
const std::vector<payload_template>& payload_templates();

/** The template of a name, or nullptr. */
const payload_template* find_payload_template(std::string_view name);

}  // namespace scanscope
