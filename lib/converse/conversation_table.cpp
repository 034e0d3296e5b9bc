#include "converse/conversation_table.hpp"

#include <algorithm>
#include <cstring>

#include "converse/emulator.hpp"

namespace scanscope {

namespace {

// Eight entries a set (seven cache lines): at half the slots in use about one connection in
// 200 finds its set full.
constexpr uint32_t ways = 8;
constexpr uint32_t source_slots = 1u << 16;

}  // namespace

block_pool::block_pool(uint32_t blocks, size_t block_bytes)
    : bytes_(size_t{blocks} * block_bytes), block_bytes_(block_bytes) {
  free_.reserve(blocks);
  for (uint32_t i = blocks; i > 0; --i) {
    free_.push_back(static_cast<uint16_t>(i - 1));
  }
}

uint16_t block_pool::take() {
  if (free_.empty()) {
    return 0;
  }
  const auto number = static_cast<uint16_t>(free_.back() + 1);
  free_.pop_back();
  return number;
}

conversation_table::conversation_table(uint32_t slots, uint32_t buffers, uint32_t states,
                                       uint32_t per_source, uint64_t timeout_ns)
    : slots_(std::max(slots, ways)),
      buffers_(buffers, max_request_bytes),
      states_(states, max_state_bytes),
      per_source_(source_slots),
      set_mask_(static_cast<uint32_t>(slots_.size() / ways - 1)),
      per_source_cap_(std::min<uint32_t>(per_source, 255)),
      timeout_ns_(timeout_ns) {}

emulated_conversation* conversation_table::find(uint64_t key, uint64_t now_ns) {
  emulated_conversation* set = &slots_[(static_cast<uint32_t>(key >> 32) & set_mask_) * ways];
  for (uint32_t i = 0; i < ways; ++i) {
    if (set[i].key == key) {
      if (stale(set[i], now_ns)) {
        close(set[i]);
        return nullptr;
      }
      return &set[i];
    }
  }
  return nullptr;
}

emulated_conversation* conversation_table::open(uint64_t key, uint64_t source_hash, uint64_t now_ns,
                                                conversation_counter& refusal) {
  const auto source = static_cast<uint16_t>(source_hash ^ (source_hash >> 32));
  if (per_source_[source] >= per_source_cap_) {
    refusal = conversation_counter::emulation_source_cap;
    return nullptr;
  }
  emulated_conversation* set = &slots_[(static_cast<uint32_t>(key >> 32) & set_mask_) * ways];
  emulated_conversation* room = nullptr;
  for (uint32_t i = 0; i < ways && room == nullptr; ++i) {
    if (stale(set[i], now_ns)) {
      close(set[i]);
    }
    if (set[i].key == 0) {
      room = &set[i];
    }
  }
  if (room == nullptr) {
    refusal = conversation_counter::emulation_table_full;
    return nullptr;
  }
  *room = emulated_conversation{};
  room->key = key;
  room->last_ns = now_ns;
  room->source = source;
  ++per_source_[source];
  return room;
}

void conversation_table::close(emulated_conversation& c) {
  if (c.key == 0) {
    return;
  }
  release_buffer(c);
  states_.give_back(c.state);
  c.state = 0;
  --per_source_[c.source];
  c.key = 0;
}

uint8_t* conversation_table::buffer_of(emulated_conversation& c) {
  if (c.buffer == 0) {
    c.buffer = buffers_.take();
    c.buffered = 0;
    if (c.buffer == 0) {
      return nullptr;
    }
  }
  return buffers_.bytes(c.buffer);
}

void conversation_table::release_buffer(emulated_conversation& c) {
  buffers_.give_back(c.buffer);
  c.buffer = 0;
  c.buffered = 0;
}

uint8_t* conversation_table::state_of(emulated_conversation& c) {
  if (c.state == 0) {
    c.state = states_.take();
    if (c.state == 0) {
      return nullptr;
    }
    std::memset(states_.bytes(c.state), 0, max_state_bytes);
  }
  return states_.bytes(c.state);
}

void conversation_table::sweep(uint64_t now_ns, unsigned count) {
  for (unsigned i = 0; i < count; ++i) {
    emulated_conversation& c = slots_[hand_];
    hand_ = (hand_ + 1) % static_cast<uint32_t>(slots_.size());
    if (stale(c, now_ns)) {
      close(c);
    }
  }
}

size_t conversation_table::memory_bytes() const {
  return slots_.size() * sizeof(emulated_conversation) + buffers_.memory_bytes() +
         states_.memory_bytes() + per_source_.size();
}

}  // namespace scanscope
