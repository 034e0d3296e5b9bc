#pragma once
/**
 * @file
 * How the offline reader and the RX lcores wait on the rings between them.
 */

#include <rte_pause.h>
#include <sched.h>

namespace scanscope {

/**
 * Wait a moment for the thread on the other side of a ring. Spin first: on its own core the
 * other side answers within microseconds. Then give the CPU away: an offline run may have more
 * threads than CPUs (the reader and two workers on two), and a spinning reader would take the
 * time a worker needs. `waits` counts the waits in a row; set it to 0 after progress.
 */
inline void wait_for_ring(unsigned& waits) {
  constexpr unsigned spins = 64;
  if (++waits < spins) {
    rte_pause();
  } else {
    sched_yield();
  }
}

}  // namespace scanscope
