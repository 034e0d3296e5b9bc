#pragma once
/**
 * @file
 * The RX lcore loops: poll a NIC queue or drain an offline ring, and run the same burst
 * function on what arrives.
 */

#include <rte_mempool.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "runtime/device_ports.hpp"
#include "pipeline/worker.hpp"

namespace scanscope {

/** Everything one RX lcore needs; built on the main lcore before launch. */
struct rx_task {
  worker* work = nullptr;                        /**< the lcore's worker */
  rx_queue_ref queue{};                          /**< live: the queue to poll */
  rte_ring* ring = nullptr;                      /**< offline: the ring to drain (else null) */
  rte_mempool* answer_pool = nullptr; /**< live, responding: mbufs for the answers (else null) */
  uint16_t burst = 32;                           /**< frames per poll */
  bool guarded = false; /**< live: the port's driver may free its rings under a burst */
  const std::atomic<bool>* stop = nullptr;       /**< live: set to end the loop */
  const std::atomic<bool>* input_done = nullptr; /**< offline: no more frames will come */
  /** Offline: frames counted so far (the reader waits on it before a bucket closes). */
  std::atomic<uint64_t>* processed = nullptr;
  unsigned lcore_id = 0; /**< where it runs */
  std::string source;    /**< what it polls, for reports */
};

/** rte_eal_remote_launch() entry: `arg` is an rx_task*. */
int rx_lcore_main(void* arg);

}  // namespace scanscope
