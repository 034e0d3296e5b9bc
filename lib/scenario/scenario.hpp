#pragma once
/**
 * @file
 * A scenario: synthetic scan campaigns against a darknet prefix, as read from a scenario file
 * (format in config/scenarios/README.md). Pure data and its parser; the generator turns it into
 * packets.
 */

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scanscope {

/** How a campaign's SYN probes look on the wire. */
enum class probe_tool : uint8_t {
  mirai,   /**< sequence number = destination address, no options, random window */
  masscan, /**< IP ID = dst ^ dport ^ seq, window 1024, no options, TTL 255 */
  zmap,    /**< IP ID 54321, window 65535, no options, TTL 255 */
  nmap,    /**< MSS 1460 only, window 1024, TTL 37-59 */
  stack,   /**< an operating system's connect(): window, options and TTL from the campaign */
};

/** TCP option layouts a `stack` campaign can send. */
enum class option_layout : uint8_t {
  none,    /**< no options */
  mss,     /**< MSS only */
  linux,   /**< MSS, SACK permitted, timestamps, NOP, window scale 7 (Linux) */
  windows, /**< MSS, NOP, window scale 8, NOP, NOP, SACK permitted (Windows 10) */
};

/** Source-port choice of a campaign's sources. */
enum class port_choice : uint8_t { fixed, random };

/** One point of an hourly rate profile: from `time` on, the rate is multiplied by `factor`;
 * a ramp point reaches `factor` linearly from the previous point instead of stepping. */
struct rate_point {
  int64_t time;
  double factor;
  bool ramp;
};

/** A share of a campaign's sources or probes: a country code or payload name and its weight. */
struct weighted_name {
  std::string name;
  double weight;
};

struct campaign {
  std::string name;
  int line = 0;                /**< where its section starts, for messages */
  int64_t start = 0;           /**< first second (UTC) probes may be sent */
  int64_t end = 0;             /**< first second they may no longer be */
  std::vector<uint16_t> ports; /**< destination TCP ports, one picked per probe */
  probe_tool tool = probe_tool::stack;
  uint16_t window = 64240;  /**< SYN window (stack; masscan and zmap defaults overridable) */
  uint8_t initial_ttl = 64; /**< stack: the sender's initial TTL */
  option_layout options = option_layout::linux;
  port_choice sport = port_choice::random;
  uint32_t sources = 1;     /**< distinct source addresses */
  std::string sources_from; /**< share the source pool of an earlier campaign */
  std::vector<weighted_name> countries;
  /** Or the ASes the sources are in (names are AS numbers); their countries are the
   *  database's. */
  std::vector<weighted_name> ases;
  double rate = 1; /**< probes per hour at factor 1 */
  std::vector<rate_point> profile;
  double jitter = 0;            /**< each hour's rate varies by up to this share, at random */
  std::vector<weighted_name> payloads; /**< percent of probes that send each payload */
};

struct scenario {
  std::string name;
  std::string origin; /**< file it came from */
  uint64_t seed = 1;
  int64_t start = 0;
  int64_t end = 0;
  uint32_t darknet = 0; /**< destination prefix, host order */
  uint8_t darknet_bits = 24;
  std::vector<campaign> campaigns;

  /**
   * Parse scenario text.
   * @param origin names the text in errors
   * @param error  "origin:line: reason" when the text is rejected
   */
  static std::optional<scenario> parse(std::string_view text, const std::string& origin,
                                       std::string& error);
  static std::optional<scenario> load(const std::string& path, std::string& error);
};

/** "2018-12-03T20:00:00Z" (seconds and Z optional) to seconds since the epoch. */
std::optional<int64_t> parse_utc_time(std::string_view text);

const char* probe_tool_name(probe_tool t);

}  // namespace scanscope
