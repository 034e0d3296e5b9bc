#include "converse/syn_cookie.hpp"

#include <sys/random.h>

#include <cstring>
#include <ctime>

namespace scanscope {

namespace {

inline uint64_t rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

inline void sip_round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1;
  v1 = rotl(v1, 13);
  v1 ^= v0;
  v0 = rotl(v0, 32);
  v2 += v3;
  v3 = rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = rotl(v1, 17);
  v1 ^= v2;
  v2 = rotl(v2, 32);
}

}  // namespace

uint64_t siphash24(const uint64_t key[2], const void* data, size_t length) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ key[0];
  uint64_t v1 = 0x646f72616e646f6dULL ^ key[1];
  uint64_t v2 = 0x6c7967656e657261ULL ^ key[0];
  uint64_t v3 = 0x7465646279746573ULL ^ key[1];
  const auto* in = static_cast<const uint8_t*>(data);
  const size_t whole = length - length % 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m;
    std::memcpy(&m, in + i, 8);  // little-endian hosts, as the reference
    v3 ^= m;
    sip_round(v0, v1, v2, v3);
    sip_round(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t last = static_cast<uint64_t>(length) << 56;
  for (size_t i = 0; i < length % 8; ++i) {
    last |= static_cast<uint64_t>(in[whole + i]) << (8 * i);
  }
  v3 ^= last;
  sip_round(v0, v1, v2, v3);
  sip_round(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xFF;
  for (int i = 0; i < 4; ++i) {
    sip_round(v0, v1, v2, v3);
  }
  return v0 ^ v1 ^ v2 ^ v3;
}

syn_cookies::syn_cookies() {
  if (getrandom(key_, sizeof key_, 0) != static_cast<ssize_t>(sizeof key_)) {
    // No entropy source: the cookies still work, they are only easier to forge.
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    key_[0] = static_cast<uint64_t>(ts.tv_nsec) * 0x9E3779B97F4A7C15ULL;
    key_[1] = static_cast<uint64_t>(ts.tv_sec) ^ reinterpret_cast<uintptr_t>(this);
  }
}

uint64_t syn_cookies::hash(const connection_tuple& t, uint64_t slot) const {
  uint8_t message[44];
  std::memcpy(message, t.client, 16);
  std::memcpy(message + 16, t.server, 16);
  std::memcpy(message + 32, &t.client_port, 2);
  std::memcpy(message + 34, &t.server_port, 2);
  std::memcpy(message + 36, &slot, 8);
  return siphash24(key_, message, sizeof message);
}

uint32_t syn_cookies::make(const connection_tuple& t, uint64_t time_ns, uint32_t tag) const {
  const uint64_t h = hash(t, time_ns / 1000000000ULL / slot_seconds);
  // The low 28 bits check the tuple; the top 4 carry the tag, masked by other bits of the hash.
  // Not the other way round: the client acknowledges ISN + 1, then ISN + 2, and those must not
  // pass for the ISN with another tag.
  return (static_cast<uint32_t>(h) & check_mask) |
         (((tag ^ static_cast<uint32_t>(h >> 32)) & tag_mask) << check_bits);
}

bool syn_cookies::check(const connection_tuple& t, uint64_t time_ns, uint32_t cookie,
                        uint32_t& tag) const {
  const uint64_t slot = time_ns / 1000000000ULL / slot_seconds;
  // This slot, or the one before for a SYN answered just before the slot turned.
  for (uint64_t back = 0; back < 2 && back <= slot; ++back) {
    const uint64_t h = hash(t, slot - back);
    if (((static_cast<uint32_t>(h) ^ cookie) & check_mask) == 0) {
      tag = ((cookie >> check_bits) ^ static_cast<uint32_t>(h >> 32)) & tag_mask;
      return true;
    }
  }
  return false;
}

}  // namespace scanscope
