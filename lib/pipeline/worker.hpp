#pragma once
/**
 * @file
 * The per-lcore packet function. One worker per RX lcore owns its counters (and, as the
 * pipeline grows, its tables and scratch); nothing here is shared for writing. The same
 * function serves a NIC queue, an offline capture and the tests: it takes bytes, not mbufs.
 */

#include <cstdint>
#include <memory>

#include "packet/parser.hpp"
#include "stats/lcore_counters.hpp"
#include "stats/watched_ports.hpp"

namespace scanscope {

class worker {
 public:
  /** @param ports watched ports, shared read-only by all workers; must outlive the worker */
  explicit worker(const watched_ports& ports);

  /**
   * Account one frame.
   * @param frame       first byte of the Ethernet header
   * @param captured    bytes available at frame
   * @param wire_length frame length on the wire (>= captured when the capture was cut short)
   * @param time_ns     arrival time, nanoseconds since the Unix epoch
   */
  void handle(const uint8_t* frame, uint32_t captured, uint32_t wire_length, uint64_t time_ns) {
    decoded_packet p;
    parse_frame(frame, captured, wire_length, p);
    account(p, wire_length, time_ns);
  }

  /** Counters of this worker; read them from another thread only through counter::read(). */
  const lcore_counters& counters() const { return *counters_; }
  lcore_counters& counters() { return *counters_; }

 private:
  void account(const decoded_packet& p, uint32_t wire_length, uint64_t time_ns);

  const watched_ports& ports_;
  std::unique_ptr<lcore_counters> counters_;
};

}  // namespace scanscope
