#pragma once
/**
 * @file
 * Events from one RX lcore to the event log (--events): signature alerts, the first hit of
 * each (source, port, rule) in a time bucket, with the packet's addresses, ports and the start
 * of its payload; and exposures, a monitored host answering a scanner on a port the lcore had
 * not seen it answer on. One producer (the lcore), one consumer (the event log's thread); a full ring drops
 * the alert and counts it, never waits.
 */

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "common/counter.hpp"

namespace scanscope {

struct alert_record {
  static constexpr size_t max_excerpt = 256;
  /** `rule` of an exposure: the scanner is `source`, the host that answered `destination`. */
  static constexpr uint16_t exposure = UINT16_MAX;
  /** `rule` of an indicator an emulated conversation gave: `tool` is its indicator_kind, the
   *  excerpt its text. */
  static constexpr uint16_t indicator = UINT16_MAX - 1;
  uint64_t time_ns = 0;
  uint8_t source[16];      /**< IPv4 mapped */
  uint8_t destination[16]; /**< IPv4 mapped */
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t rule = 0;       /**< rule slot */
  uint8_t tcp = 0;         /**< 1: TCP, 0: UDP */
  uint8_t tool = 0;        /**< exposure: the scanner's SYN's scan_tool */
  uint16_t excerpt_length = 0;
  uint8_t excerpt[max_excerpt]; /**< the payload's first bytes */
};

class alert_ring {
 public:
  /** @param capacity a power of two */
  explicit alert_ring(uint32_t capacity)
      : slots_(std::make_unique<alert_record[]>(capacity)), mask_(capacity - 1) {}

  /** Lcore side: a record to fill, or null when the ring is full (the alert is counted). */
  alert_record* claim() {
    const uint32_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) > mask_) {
      dropped_.add();
      return nullptr;
    }
    return &slots_[head & mask_];
  }
  /** Lcore side: publish the record claim() gave. */
  void publish() { head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  /** Consumer side: the oldest record, or null; release() it once read. */
  const alert_record* peek() const {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);
    return tail == head_.load(std::memory_order_acquire) ? nullptr : &slots_[tail & mask_];
  }
  void release() { tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  /** Alerts the ring had no room for. */
  const counter& dropped() const { return dropped_; }

 private:
  std::unique_ptr<alert_record[]> slots_;
  uint32_t mask_;
  alignas(64) std::atomic<uint32_t> head_{0};
  alignas(64) std::atomic<uint32_t> tail_{0};
  counter dropped_;
};

}  // namespace scanscope
