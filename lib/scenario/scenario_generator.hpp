#pragma once
/**
 * @file
 * Turns a scenario into packets, one hour at a time and in time order. Sources are drawn once,
 * at start, from the IPv4 /24 blocks the location database places wholly in each country, so
 * a sensor reading the same database sees the intended countries. Everything comes from one
 * seeded generator per campaign: a scenario and a seed always give the same packets.
 */

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "geo/location_db.hpp"
#include "scenario/scenario.hpp"
#include "scenario/synthetic_packet.hpp"

namespace scanscope {

/** A scanning host of the scenario. */
struct synthetic_source {
  uint32_t address;    /**< host order */
  char country[3];     /**< ISO code it was drawn for (drawn by AS: the database's) */
  uint32_t asn;        /**< AS it was drawn for (drawn by country: the database's; 0: none) */
  uint16_t fixed_port; /**< source port of tools with a fixed one */
  uint8_t hops;        /**< routers on the way: TTL as received = initial TTL - hops */
  uint16_t campaign;   /**< index of the campaign that drew it */
};

class scenario_generator {
 public:
  /** Bucket width the generator steps by and ground truth counts in. */
  static constexpr int64_t hour = 3600;

  /**
   * Draw every campaign's sources.
   * @param error names the campaign and country when a country has no usable network
   */
  static std::unique_ptr<scenario_generator> create(const scenario& s, const location_db& db,
                                                    std::string& error);

  /** Replace `out` with the packets sent in [hour_start, hour_start + 3600), in time order. */
  void generate_hour(int64_t hour_start, std::vector<synthetic_packet>& out);

  const scenario& spec() const { return scenario_; }
  const std::vector<synthetic_source>& sources() const { return sources_; }
  /** First hour boundary at or before the scenario start. */
  int64_t first_hour() const { return scenario_.start / hour * hour; }

 private:
  /** splitmix64: small, fast and the same on every platform. */
  struct rng {
    uint64_t state;
    uint64_t next() {
      uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      return z ^ (z >> 31);
    }
    /** Uniform in [0, n). */
    uint64_t below(uint64_t n) { return static_cast<uint64_t>((uint128{next()} * n) >> 64); }
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  };
  struct campaign_state {
    rng random;
    uint32_t first_source; /**< its pool in sources_ */
    uint32_t source_count;
    double carry = 0; /**< fraction of a probe owed from earlier hours */
  };

  explicit scenario_generator(const scenario& s) : scenario_(s) {}
  /** @return the error (file, line, campaign and reason), or "" */
  std::string draw_sources(const location_db& db);
  /** Rate factor of a campaign's profile at time t. */
  static double factor_at(const campaign& c, double t);
  void add_probe(size_t index, uint64_t time_ns, std::vector<synthetic_packet>& out);

  scenario scenario_;
  std::vector<synthetic_source> sources_;
  std::vector<campaign_state> states_;
};

}  // namespace scanscope
