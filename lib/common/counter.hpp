#pragma once
/**
 * @file
 * A single-writer counter: the owning RX lcore adds with a plain load and store (no lock
 * prefix), other threads read a torn-free 64-bit value with a relaxed load.
 */

#include <atomic>
#include <cstdint>

namespace scanscope {

class counter {
 public:
  /** Add n; only the owning lcore may call this. */
  void add(uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  /** Subtract n from a gauge that n was added to; only the owning lcore may call this. */
  void sub(uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  /** Overwrite; only the owning lcore may call this (for gauges such as timestamps). */
  void set(uint64_t v) { value_.store(v, std::memory_order_relaxed); }
  /** Read from any thread. */
  uint64_t read() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

/** Packets and bytes of one class of traffic. */
struct traffic_counter {
  counter packets; /**< frames */
  counter bytes;   /**< frame bytes on the wire */

  void add(uint64_t wire_bytes) {
    packets.add();
    bytes.add(wire_bytes);
  }
};

/** A plain snapshot of a traffic_counter, summed over lcores. */
struct traffic_total {
  uint64_t packets = 0; /**< frames */
  uint64_t bytes = 0;   /**< frame bytes on the wire */

  void add(const traffic_counter& c) {
    packets += c.packets.read();
    bytes += c.bytes.read();
  }
};

/** Packets and distinct sources of one class of traffic. */
struct source_counter {
  counter packets; /**< packets */
  counter sources; /**< distinct sources (each counted once per lcore, sources live on one) */
};

/** Packets and distinct sources, summed over lcores. */
struct source_total {
  uint64_t packets = 0; /**< packets */
  uint64_t sources = 0; /**< distinct sources */

  void add(const source_counter& c) {
    packets += c.packets.read();
    sources += c.sources.read();
  }
  source_total& operator+=(const source_total& o) {
    packets += o.packets;
    sources += o.sources;
    return *this;
  }
};

}  // namespace scanscope
