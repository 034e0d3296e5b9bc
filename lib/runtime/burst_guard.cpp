#include "runtime/burst_guard.hpp"

#include <rte_ethdev.h>

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstring>

namespace scanscope {

namespace {

// Where a fault inside this thread's guarded burst lands. Thread-local: each RX lcore has its
// own burst in flight.
thread_local sigjmp_buf burst_fault;
thread_local volatile std::sig_atomic_t in_burst = 0;
// Per port: the device counters report them (scanscope_device_rx_faulted_bursts_total).
std::atomic<uint64_t> faults[RTE_MAX_ETHPORTS];

void on_fault(int signal) {
  if (in_burst != 0) {
    in_burst = 0;
    siglongjmp(burst_fault, 1);
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

enum class direction { receive, transmit };

/** One burst; a fault inside it while the link is down ends it (`faulted`). */
uint16_t burst(direction d, uint16_t port_id, uint16_t queue, rte_mbuf** pkts, uint16_t n,
               bool& faulted) {
  faulted = false;
  if (sigsetjmp(burst_fault, 0) != 0) {
    if (port_link_up(port_id)) {
      // Not the peer leaving: crash as an unguarded burst would have.
      std::signal(SIGSEGV, SIG_DFL);
      std::raise(SIGSEGV);
    }
    faults[port_id].fetch_add(1, std::memory_order_relaxed);
    faulted = true;
    return 0;
  }
  in_burst = 1;
  const uint16_t done = d == direction::receive ? rte_eth_rx_burst(port_id, queue, pkts, n)
                                                : rte_eth_tx_burst(port_id, queue, pkts, n);
  in_burst = 0;
  return done;
}

}  // namespace

bool needs_burst_guard(uint16_t port_id) {
  rte_eth_dev_info info{};
  return rte_eth_dev_info_get(port_id, &info) == 0 && info.driver_name != nullptr &&
         std::strstr(info.driver_name, "memif") != nullptr;
}

void install_burst_guard() {
  struct sigaction action {};
  action.sa_handler = on_fault;
  // Not blocked inside the handler: it leaves by siglongjmp without restoring a mask, so the
  // next fault is seen too (and sigsetjmp need not save the mask, a system call per burst).
  action.sa_flags = SA_NODEFER;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, nullptr);
  sigaction(SIGBUS, &action, nullptr);
}

bool port_link_up(uint16_t port_id) {
  rte_eth_link link{};
  return rte_eth_link_get_nowait(port_id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

uint16_t guarded_rx_burst(uint16_t port_id, uint16_t queue, rte_mbuf** pkts, uint16_t n) {
  bool faulted = false;
  return burst(direction::receive, port_id, queue, pkts, n, faulted);
}

uint16_t guarded_tx_burst(uint16_t port_id, uint16_t queue, rte_mbuf** pkts, uint16_t n,
                          bool& faulted) {
  return burst(direction::transmit, port_id, queue, pkts, n, faulted);
}

uint64_t guarded_burst_faults(uint16_t port_id) {
  return port_id < RTE_MAX_ETHPORTS ? faults[port_id].load(std::memory_order_relaxed) : 0;
}

uint64_t guarded_burst_faults() {
  uint64_t n = 0;
  for (const std::atomic<uint64_t>& f : faults) {
    n += f.load(std::memory_order_relaxed);
  }
  return n;
}

}  // namespace scanscope
