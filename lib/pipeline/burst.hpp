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
  frame_ref frames[worker::max_burst];
  uint16_t done = 0;
  while (done < n) {
    const uint16_t chunk = n - done < worker::max_burst ? n - done : worker::max_burst;
    for (uint16_t i = 0; i < chunk; ++i) {
      rte_mbuf* m = pkts[done + i];
      frame_ref& f = frames[i];
      f.data = rte_pktmbuf_mtod(m, const uint8_t*);
      f.captured = m->data_len;
      if constexpr (clock == frame_clock::recorded) {
        const packet_meta& meta = meta_of(m);
        f.wire_length = meta.wire_length;
        f.link_bytes = meta.link_bytes;
        f.time_ns = meta.time_ns;
      } else {
        f.wire_length = m->pkt_len;
        f.link_bytes = 0;
        f.time_ns = now_ns;
      }
      rte_prefetch0(f.data);
    }
    w.handle_burst(frames, chunk);
    done = static_cast<uint16_t>(done + chunk);
  }
  return n;
}

}  // namespace scanscope
