#pragma once
/**
 * @file
 * Options of who is on the other end: the monitored prefixes, the reactive responder and its
 * safety limits (docs/responder.md), and the known scanning organisations (config/actors.conf).
 */

#include <bitset>
#include <string>
#include <vector>

#include "converse/emulation.hpp"
#include "packet/prefix_set.hpp"

namespace boost::program_options {
class options_description;
}

namespace scanscope {

struct conversation_settings {
  std::string monitored;           /**< --monitored as given */
  bool respond = false;            /**< --respond */
  std::string respond_ports = "all"; /**< --respond-ports as given */
  std::string respond_allow;       /**< --respond-allow as given */
  double respond_rate = 1000;      /**< SYN-ACKs per second, the whole sensor */
  double respond_source_rate = 250;    /**< SYN-ACKs per second to one source */
  unsigned respond_source_burst = 256; /**< ... of which this many at once (a /24) */
  unsigned respond_window = 65535; /**< receive window of the answers */
  double respond_timeout = 10;     /**< seconds a completed connection may stay silent */
  unsigned respond_waiting = 4096; /**< per RX lcore: silent connections remembered */
  unsigned exposure_slots = 4096;  /**< per RX lcore: (host, port) pairs of the exposure view */
  std::string emulate = "none";    /**< --emulate: protocols spoken past the first payload */
  std::vector<std::string> emulate_ports;     /**< --emulate-port PROTOCOL=PORTS, each */
  unsigned emulate_conversations = 4096;      /**< per RX lcore: emulated connections held */
  unsigned emulate_buffers = 256;             /**< per RX lcore: partial requests held at once */
  unsigned emulate_source_conversations = 16; /**< emulated connections one source may hold */
  bool emulate_keep_secrets = false;          /**< passphrases tried are kept as indicators */
  std::string actors;              /**< known scanners file ("" or "none": no actors) */

  prefix_set monitored_prefixes;   /**< parsed --monitored */
  prefix_set allow_prefixes;       /**< parsed --respond-allow */
  std::bitset<65536> ports;        /**< parsed --respond-ports */
  emulation_plan emulation;        /**< parsed --emulate and --emulate-port */
};

/** The "Monitored prefixes and responder" option group, writing into `s`. */
boost::program_options::options_description conversation_options(conversation_settings& s);

/**
 * Parse the lists and check the values and their combination with `offline` (captures given).
 * @return empty, or {option name, message}
 */
std::pair<std::string, std::string> check_conversation(conversation_settings& s, bool offline);

/** The start-up line saying what counts as scan traffic and whether the sensor answers. */
std::string describe_conversation(const conversation_settings& s);

}  // namespace scanscope
