#pragma once
/**
 * @file
 * Connections the responder completed that have not sent anything yet. A client that waits for
 * the server to speak first (SSH, SMTP, Telnet banners) would otherwise hold its socket until
 * its own timeout; after `timeout` the responder resets it. The RST is built when the handshake
 * completes, so the sweep only copies it. Direct-mapped and bounded: a connection whose slot a
 * newer one takes is never reset (counted), which costs the client nothing but its own timeout.
 */

#include <cstdint>
#include <vector>

#include "converse/answer_frame.hpp"

namespace scanscope {

class waiting_connections {
 public:
  /** @param slots a power of two; @param timeout_ns how long a connection may stay silent */
  waiting_connections(uint32_t slots, uint64_t timeout_ns);

  /** Remember a connection and the RST that ends it. @return true if it displaced another */
  bool add(uint64_t key, uint64_t time_ns, const uint8_t* rst, size_t length);
  /** The connection spoke or closed: forget it. */
  void forget(uint64_t key);
  /**
   * Look at the next `slots` slots; copy the RST of each connection silent since before
   * now - timeout to `emit` and forget it.
   * @return how many were reset
   */
  template <class Emit>
  unsigned sweep(uint64_t now_ns, unsigned slots, Emit&& emit) {
    unsigned reset = 0;
    for (unsigned i = 0; i < slots; ++i) {
      slot& s = slots_[hand_];
      hand_ = (hand_ + 1) & mask_;
      if (s.key != 0 && s.since_ns + timeout_ns_ <= now_ns) {
        emit(s.frame, s.length);
        s.key = 0;
        ++reset;
      }
    }
    return reset;
  }
  uint64_t timeout_ns() const { return timeout_ns_; }

 private:
  struct slot {
    uint64_t key = 0;
    uint64_t since_ns = 0;
    uint16_t length = 0;
    uint8_t frame[max_answer_bytes];
  };
  std::vector<slot> slots_;
  uint64_t mask_;
  uint64_t hand_ = 0;
  uint64_t timeout_ns_;
};

}  // namespace scanscope
