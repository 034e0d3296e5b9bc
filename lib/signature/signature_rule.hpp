#pragma once
/**
 * @file
 * Payload signature rules as people write them (config/signatures.rules), parsed with the file
 * and line of every problem. One rule per line:
 *
 *   rule ID NAME CATEGORY PROTO/PORTS [offset=N] [depth=N] [tool=TOOL] /PATTERN/FLAGS
 *
 * PROTO is tcp, udp or any; PORTS is `any` or a list of ports and ranges (8545,8546,30000-30100)
 * of the destination. PATTERN is Hyperscan (PCRE-like) syntax between the first and the last
 * '/'; FLAGS are letters: i caseless, s dot matches newline, m multi-line. offset and depth
 * bound where a match may start / end, counted from the start of the TCP stream or datagram.
 * tool names the scanning tool (a scan_tool name) whose payloads the rule recognises: a hit
 * also counts under that tool "by payload", apart from the tools headers name.
 */

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fingerprint/scan_tool.hpp"

namespace scanscope {

enum class rule_protocol : uint8_t { any, tcp, udp };

struct signature_rule {
  uint32_t id = 0;      /**< stable number, unique in the file */
  std::string name;     /**< label in reports and metrics */
  std::string category; /**< recon, credential, theft, hijack, exploit, download, ... */
  rule_protocol proto = rule_protocol::any;         /**< transport the rule applies to */
  std::vector<std::pair<uint16_t, uint16_t>> ports; /**< destination port ranges; empty: any */
  std::string pattern;                              /**< Hyperscan expression */
  unsigned flags = 0;                               /**< HS_FLAG_* from the FLAGS letters */
  uint64_t offset = 0; /**< a match must start at or after this byte (0: anywhere) */
  uint64_t depth = 0;  /**< a match must end within this many bytes (0: anywhere) */
  scan_tool tool = scan_tool::none; /**< the tool a hit names by payload (none: no tool) */
  size_t line = 0;     /**< line in the rule file */
  bool retired = false; /**< dropped by a reload: kept for its counts, never matched */

  /** Whether the rule applies to this transport and destination port. */
  bool applies(bool tcp, uint16_t dst_port) const;
};

/**
 * Parse a rule file's text.
 * @param origin names the text in errors (the file path)
 * @param error  "origin:line: reason" when the text is rejected
 */
std::optional<std::vector<signature_rule>> parse_signature_rules(std::string_view text,
                                                                 const std::string& origin,
                                                                 std::string& error);

}  // namespace scanscope
