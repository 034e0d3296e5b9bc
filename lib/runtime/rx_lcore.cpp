#include "runtime/rx_lcore.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include <ctime>

#include "pipeline/burst.hpp"
#include "pipeline/ring_wait.hpp"
#include "runtime/burst_guard.hpp"

namespace scanscope {

namespace {

// One burst limit for the whole path: what the worker takes at once (options check --burst).
constexpr uint16_t max_burst = worker::max_burst;

uint64_t wall_clock_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

/** Send the worker's answers out of the queue the frames came in on (its TX twin). */
void transmit_answers(rx_task& t) {
  answer_queue& q = t.work->answers();
  rte_mbuf* out[answer_queue::capacity];
  const unsigned n = q.count;
  q.clear();
  conversation_counters& c = t.work->conversation();
  if (rte_pktmbuf_alloc_bulk(t.answer_pool, out, n) != 0) {
    c.add(conversation_counter::responder_answers_not_sent, n);
    return;
  }
  for (unsigned i = 0; i < n; ++i) {
    char* room = rte_pktmbuf_append(out[i], q.lengths[i]);
    if (room == nullptr) {  // never with the checked --mbuf-size; counted all the same
      rte_pktmbuf_free_bulk(out, n);
      c.add(conversation_counter::responder_answers_not_sent, n);
      return;
    }
    rte_memcpy(room, q.frames[i], q.lengths[i]);
  }
  const uint16_t sent = rte_eth_tx_burst(t.queue.port_id, t.queue.queue, out,
                                         static_cast<uint16_t>(n));
  if (sent < n) {
    rte_pktmbuf_free_bulk(out + sent, n - sent);
    c.add(conversation_counter::responder_answers_not_sent, n - sent);
  }
}

void poll_queue(rx_task& t) {
  rte_mbuf* pkts[max_burst];
  lcore_counters& c = t.work->counters();
  // Arrival time from the TSC, anchored to the wall clock once: no syscall per burst.
  const uint64_t wall_base = wall_clock_ns();
  const uint64_t tsc_base = rte_rdtsc();
  const double ns_per_cycle = 1e9 / static_cast<double>(rte_get_tsc_hz());
  uint64_t last = tsc_base;
  const uint64_t idle_tick = rte_get_tsc_hz() / 1000;
  uint64_t next_idle_tick = tsc_base;
  // One receive burst, processed; how many frames it held.
  const auto take_burst = [&]() -> uint16_t {
    t.work->between_bursts();
    const uint16_t n = t.guarded ? guarded_rx_burst(t.queue.port_id, t.queue.queue, pkts, t.burst)
                                 : rte_eth_rx_burst(t.queue.port_id, t.queue.queue, pkts, t.burst);
    const uint64_t start = rte_rdtsc();
    if (n != 0) {
      const uint64_t now_ns =
          wall_base + static_cast<uint64_t>(static_cast<double>(start - tsc_base) * ns_per_cycle);
      process_burst<frame_clock::arrival>(*t.work, pkts, n, now_ns);
      rte_pktmbuf_free_bulk(pkts, n);
      if (t.work->answers().count != 0) {
        transmit_answers(t);
      }
      c.busy_cycles.add(rte_rdtsc() - last);
    }
    return n;
  };
  while (!t.stop->load(std::memory_order_relaxed)) {
    const uint16_t n = take_burst();
    const uint64_t end = rte_rdtsc();
    c.total_cycles.add(end - last);
    last = end;
    if (n == 0 && end >= next_idle_tick) {
      // No traffic: waiting repeats are still counted, silent connections still time out.
      next_idle_tick = end + idle_tick;
      t.work->idle(wall_base + static_cast<uint64_t>(static_cast<double>(end - tsc_base) *
                                                     ns_per_cycle));
      if (t.work->answers().count != 0) {
        transmit_answers(t);
      }
    }
  }
  // Frames that arrived before the stop still wait in the queue: they are counted too, until
  // the queue is empty or for at most 20 ms (traffic that goes on must not hold the stop).
  const uint64_t drain_until = rte_rdtsc() + rte_get_tsc_hz() / 50;
  for (uint16_t n = 1; n != 0 && last < drain_until;) {
    n = take_burst();
    const uint64_t now = rte_rdtsc();
    c.total_cycles.add(now - last);
    last = now;
  }
  t.work->fold_repeats();
}

void drain_ring(rx_task& t) {
  rte_mbuf* pkts[max_burst];
  lcore_counters& c = t.work->counters();
  uint64_t last = rte_rdtsc();
  unsigned waits = 0;
  for (;;) {
    unsigned n = rte_ring_dequeue_burst(t.ring, reinterpret_cast<void**>(pkts), t.burst, nullptr);
    if (n == 0) {
      // Read the flag before the last look at the ring: the reader sets it after its final
      // enqueue, so an empty ring after seeing the flag is really the end.
      if (t.input_done->load(std::memory_order_acquire)) {
        n = rte_ring_dequeue_burst(t.ring, reinterpret_cast<void**>(pkts), t.burst, nullptr);
        if (n == 0) {
          break;
        }
      } else {
        wait_for_ring(waits);
        const uint64_t now = rte_rdtsc();
        c.total_cycles.add(now - last);
        last = now;
        continue;
      }
    }
    waits = 0;
    process_burst<frame_clock::recorded>(*t.work, pkts, static_cast<uint16_t>(n), 0);
    rte_pktmbuf_free_bulk(pkts, n);
    if (rte_ring_empty(t.ring)) {
      // The reader may be waiting for these frames to close their bucket (or may be done):
      // their repeats must be counted first.
      t.work->fold_repeats();
    }
    if (t.processed != nullptr) {
      // Single writer: a plain add, published with release for the reader's bucket barrier.
      t.processed->store(t.processed->load(std::memory_order_relaxed) + n,
                         std::memory_order_release);
    }
    const uint64_t now = rte_rdtsc();
    c.busy_cycles.add(now - last);
    c.total_cycles.add(now - last);
    last = now;
  }
}

}  // namespace

int rx_lcore_main(void* arg) {
  auto& t = *static_cast<rx_task*>(arg);
  if (t.burst > max_burst) {
    t.burst = max_burst;
  }
  if (t.ring != nullptr) {
    drain_ring(t);
  } else {
    poll_queue(t);
  }
  return 0;
}

}  // namespace scanscope
