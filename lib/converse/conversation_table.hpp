#pragma once
/**
 * @file
 * The connections an emulated protocol keeps talking on, one table per RX lcore. Only a
 * connection whose handshake the SYN cookie proved and that then sent data gets an entry, so a
 * spoofed flood never reaches it. Bounded every way: a fixed number of slots (8-way sets), a
 * cap per source (sources hashed into 65,536 counters), a few request buffers shared by the
 * connections whose request is still arriving, and the idle timeout (an entry silent that long
 * is free again; its RST is the waiting table's).
 */

#include <cstdint>
#include <vector>

#include "converse/conversation_counters.hpp"

namespace scanscope {

/** One connection past its first payload, or greeted at its handshake (56 bytes). */
struct emulated_conversation {
  uint64_t key = 0;        /**< the connection (tuple key); 0: a free slot */
  uint64_t last_ns = 0;    /**< the client's latest segment */
  uint32_t our_next = 0;   /**< our next sequence number */
  uint32_t their_next = 0; /**< the client's next sequence number, all before it taken */
  uint32_t tag = 0;        /**< the SYN's cookie tag (its tool) */
  uint32_t steps = 0;      /**< bit per emulated_step reached on this connection */
  uint32_t bytes = 0;      /**< client bytes taken */
  uint16_t source = 0;     /**< the source's slot in the per-source counts */
  uint16_t buffer = 0;     /**< 1 + the request buffer holding a partial request; 0: none */
  uint16_t buffered = 0;   /**< bytes in it */
  uint16_t requests = 0;   /**< requests answered */
  uint16_t state = 0;      /**< 1 + the state block of a protocol that keeps one; 0: none */
  uint8_t protocol = 0;    /**< emulated_protocol */
  bool closing = false;    /**< our FIN is sent */
  bool their_fin = false;  /**< the client's FIN is taken (their_next counts it) */
  // The last answer, made again if the client sends its segment again without having seen any
  // of it (the answer was lost): where the segment and the answer began, the requests answered
  // before it, the segment's length and time (0: not to be made again). Answers are made from
  // these alone (emulator.hpp), so the bytes are the same.
  uint16_t answered_number = 0;
  uint16_t answered_length = 0;
  uint32_t answered_seq = 0;
  uint32_t answer_from = 0;
  uint64_t answered_ns = 0;
};
static_assert(sizeof(emulated_conversation) == 72, "an 8-way set is nine cache lines");

/** Fixed-size blocks handed out by number (1-based: 0 is "none") from a free list. */
class block_pool {
 public:
  block_pool(uint32_t blocks, size_t block_bytes);

  /** A free block's number, or 0 when none is free. */
  uint16_t take();
  /** Block `number` is free again (0: nothing to do). */
  void give_back(uint16_t number) {
    if (number != 0) {
      free_.push_back(static_cast<uint16_t>(number - 1));
    }
  }
  uint8_t* bytes(uint16_t number) { return bytes_.data() + (number - 1u) * block_bytes_; }
  size_t memory_bytes() const { return bytes_.size() + free_.capacity() * sizeof(uint16_t); }

 private:
  std::vector<uint8_t> bytes_;
  std::vector<uint16_t> free_;
  size_t block_bytes_;
};

class conversation_table {
 public:
  /**
   * @param slots      connections held (a power of two, at least 8)
   * @param buffers    partial requests held at once (each max_request_bytes)
   * @param states     protocol states held at once (each max_state_bytes: ADB, telnet)
   * @param per_source connections one source may hold
   * @param timeout_ns an entry silent this long is free
   */
  conversation_table(uint32_t slots, uint32_t buffers, uint32_t states, uint32_t per_source,
                     uint64_t timeout_ns);

  /** The live entry of `key`, or null. */
  emulated_conversation* find(uint64_t key, uint64_t now_ns);
  /**
   * A new entry for `key`, or null with `refusal` set (emulation_table_full or
   * emulation_source_cap).
   */
  emulated_conversation* open(uint64_t key, uint64_t source_hash, uint64_t now_ns,
                              conversation_counter& refusal);
  /** The conversation ended: its slot, buffer and source count are free. */
  void close(emulated_conversation& c);

  /** The entry's request buffer, taken from the free ones when it has none; null: none free. */
  uint8_t* buffer_of(emulated_conversation& c);
  /** The entry's partial request is done: its buffer goes back. */
  void release_buffer(emulated_conversation& c);

  /** The entry's protocol state, zeroed when first taken; null: no block free. */
  uint8_t* state_of(emulated_conversation& c);

  /** Free the entries silent past the timeout among the next `count` slots. */
  void sweep(uint64_t now_ns, unsigned count);

  /** Bytes the table holds (slots, buffers, per-source counts). */
  size_t memory_bytes() const;

 private:
  bool stale(const emulated_conversation& c, uint64_t now_ns) const {
    return c.key != 0 && c.last_ns + timeout_ns_ <= now_ns;
  }

  std::vector<emulated_conversation> slots_;
  block_pool buffers_; /**< requests still arriving, max_request_bytes each */
  block_pool states_;  /**< protocols' state (ADB, telnet), max_state_bytes each */
  std::vector<uint8_t> per_source_;
  uint32_t set_mask_;
  uint32_t per_source_cap_;
  uint64_t timeout_ns_;
  uint32_t hand_ = 0;
};

}  // namespace scanscope
