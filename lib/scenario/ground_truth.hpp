#pragma once
/**
 * @file
 * What a generated scenario holds, counted as the generator sends it: per hour and destination
 * port, packets and distinct sources in total and by cluster, source country and signature, in
 * the shape of the series of scanscope's JSON report, so a test can compare the two directly.
 *
 * The inputs are the generator's intent: the tool each SYN imitates, the country each source
 * was drawn from, the signatures each payload must fire. The cluster of a packet is the first
 * rule of the cluster file that holds for those header values and for the source-port
 * behaviour as docs/fingerprints.md defines it (decided by the source's second probe), held
 * for the source once decided (cluster/cluster_decision.hpp): a first probe that waits for the
 * behaviour counts provisionally, and its source moves when the decision falls in its hour.
 */

#include <cstdint>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/cluster_rules.hpp"
#include "scenario/scenario_generator.hpp"
#include "scenario/synthetic_packet.hpp"

namespace scanscope {

class ground_truth {
 public:
  ground_truth(const scenario_generator& generator, const cluster_rules& clusters);

  /** Count one packet; packets must come in time order. */
  void add(const synthetic_packet& p);

  /** The counts as JSON (see docs/scenarios.md for the fields). */
  void write_json(std::ostream& out) const;

  uint64_t packets() const { return packets_; }

 private:
  /** Packets and the distinct sources among them. */
  struct tally {
    uint64_t packets = 0;
    std::unordered_set<uint32_t> sources;
    void add(uint32_t source) {
      ++packets;
      sources.insert(source);
    }
  };
  struct port_hour {
    tally all;
    std::map<std::string, tally> clusters;
    std::map<std::string, tally> countries;
    std::map<std::string, tally> ases; /**< by the AS each source was drawn for or is in */
    std::map<std::string, tally> signatures;
  };
  /** How a source picks ports, as far as its probes so far tell (docs/fingerprints.md). */
  struct port_memory {
    uint16_t first_src_port = 0;
    uint16_t first_dst_port = 0;
    uint32_t first_seq = 0;
    bool seen = false;
    source_port_behaviour behaviour = source_port_behaviour::unknown;
    uint8_t cluster_state = 0;    /**< as source_state::cluster_state */
    int64_t provisional_hour = 0; /**< hour of a provisionally counted first probe */
  };

  source_port_behaviour observe(const synthetic_packet& p, const decoded_packet& headers);
  /** `steps` and `indicators`: what a reader of each protocol (--emulate) finds. */
  template <class Writer>
  void write_stages(Writer& w) const;

  const scenario_generator& generator_;
  const cluster_rules& clusters_;
  std::set<uint16_t> watched_; /**< every port a campaign names */
  std::map<int64_t, std::map<uint16_t, port_hour>> hours_;
  std::unordered_map<uint32_t, port_memory> memory_;
  std::vector<tally> campaigns_;
  /** Steps a reader of each protocol counts, by (port, step), over the whole run. */
  std::map<std::pair<uint16_t, std::string>, tally> steps_;
  /** What the payloads give away, by (kind, port, value). */
  std::map<std::tuple<std::string, uint16_t, std::string>, tally> indicators_;
  tally total_;
  uint64_t packets_ = 0;
  uint64_t payloads_ = 0;
};

}  // namespace scanscope
