#pragma once
/**
 * @file
 * The burst function every RX lcore runs, on NIC queues and on offline rings alike. The time
 * source is chosen outside the loop (a template argument), not by a branch per packet.
 */

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <cstdint>

#include "pipeline/packet_meta.hpp"
#include "pipeline/worker.hpp"

namespace scanscope {

/** Where a frame's time and wire length come from. */
enum class frame_clock {
  arrival,  /**< live: one clock reading per burst, wire length from the mbuf */
  recorded, /**< offline: time and wire length from packet_meta */
};

/** How many packets ahead the loop prefetches headers. */
inline constexpr uint16_t prefetch_ahead = 4;

/**
 * Account a burst of frames; the caller frees the mbufs.
 * @param w       the lcore's worker
 * @param pkts    received mbufs
 * @param n       how many
 * @param now_ns  arrival time for frame_clock::arrival
 * @return n (every frame is handled)
 */
template <frame_clock clock>
inline uint16_t process_burst(worker& w, rte_mbuf** pkts, uint16_t n, uint64_t now_ns) {
  for (uint16_t i = 0; i < n && i < prefetch_ahead; ++i) {
    rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  }
  for (uint16_t i = 0; i < n; ++i) {
    if (i + prefetch_ahead < n) {
      rte_prefetch0(rte_pktmbuf_mtod(pkts[i + prefetch_ahead], void*));
    }
    rte_mbuf* m = pkts[i];
    const auto* data = rte_pktmbuf_mtod(m, const uint8_t*);
    if constexpr (clock == frame_clock::recorded) {
      const packet_meta& meta = meta_of(m);
      w.handle(data, m->data_len, meta.wire_length, meta.time_ns);
    } else {
      w.handle(data, m->data_len, m->pkt_len, now_ns);
    }
  }
  return n;
}

}  // namespace scanscope
