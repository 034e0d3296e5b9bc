#include "source/source_table.hpp"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include <cstring>

namespace scanscope {

const char* source_port_behaviour_name(source_port_behaviour b) {
  switch (b) {
    case source_port_behaviour::fixed:
      return "fixed";
    case source_port_behaviour::random:
      return "random";
    default:
      return "unknown";
  }
}

source_key make_source_key(const uint8_t* addr, bool ipv6) {
  source_key k{};
  if (ipv6) {
    std::memcpy(k.bytes, addr, 16);
  } else {
    k.bytes[10] = 0xFF;
    k.bytes[11] = 0xFF;
    std::memcpy(k.bytes + 12, addr, 4);
  }
  return k;
}

source_table::source_table(rte_hash* hash, uint32_t capacity, uint64_t idle_timeout_ns)
    : hash_(hash), capacity_(capacity), idle_timeout_ns_(idle_timeout_ns), slots_(capacity) {}

source_table::~source_table() { rte_hash_free(hash_); }

std::unique_ptr<source_table> source_table::create(const std::string& name, uint32_t capacity,
                                                   int socket, uint64_t idle_timeout_ns,
                                                   std::string& error) {
  if (capacity < 8) {
    capacity = 8;
  }
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = capacity;
  params.key_len = sizeof(source_key);
  params.hash_func = rte_hash_crc;
  params.hash_func_init_val = 0;
  params.socket_id = socket;
  // The extendable bucket table guarantees room for `capacity` keys whatever their hashes,
  // so "full" means full and eviction is exact.
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  rte_hash* h = rte_hash_create(&params);
  if (h == nullptr) {
    error = "cannot create source table '" + name + "' of " + std::to_string(capacity) +
            " sources: " + rte_strerror(rte_errno) + " (lower --source-capacity or raise --memory)";
    return nullptr;
  }
  return std::unique_ptr<source_table>(new source_table(h, capacity, idle_timeout_ns));
}

void source_table::lookup_bulk(const source_key* const* keys, unsigned n,
                               int32_t* positions) const {
  // DPDK takes `const void**`; the keys are only read.
  const void* raw[64];
  for (unsigned done = 0; done < n;) {
    const unsigned chunk = n - done < 64 ? n - done : 64;
    for (unsigned i = 0; i < chunk; ++i) {
      raw[i] = keys[done + i]->bytes;
    }
    rte_hash_lookup_bulk(hash_, raw, chunk, positions + done);
    done += chunk;
  }
}

void source_table::remove(source_state& s) {
  rte_hash_del_key(hash_, s.addr);
  s.in_use = 0;
  counters_.live.set(counters_.live.read() - 1);
}

void source_table::evict_one() {
  // CLOCK: clear second-chance bits until an unreferenced source comes round. Each lap clears
  // every bit, so this ends within two laps.
  for (;;) {
    source_state& s = slots_[clock_hand_];
    clock_hand_ = clock_hand_ + 1 == capacity_ ? 0 : clock_hand_ + 1;
    if (!s.in_use) {
      continue;
    }
    if (s.referenced) {
      s.referenced = 0;
      continue;
    }
    remove(s);
    counters_.evicted.add();
    return;
  }
}

source_state& source_table::insert(const source_key& key, uint64_t now_ns) {
  int32_t pos = rte_hash_add_key(hash_, key.bytes);
  if (pos < 0) {
    evict_one();
    pos = rte_hash_add_key(hash_, key.bytes);
  }
  // With the extendable bucket table an add after an eviction cannot fail; should a DPDK
  // change break that, slot 0 is reused rather than writing out of bounds.
  source_state& s =
      slots_[pos >= 0 && static_cast<uint32_t>(pos) < capacity_ ? static_cast<size_t>(pos) : 0];
  s = source_state{};
  std::memcpy(s.addr, key.bytes, sizeof key.bytes);
  s.first_seen_s = static_cast<uint32_t>(now_ns / 1000000000ULL);
  s.last_seen_ns = now_ns;
  s.in_use = 1;
  counters_.inserted.add();
  counters_.live.add();
  return s;
}

source_state& source_table::touch(const source_key& key, uint64_t now_ns, bool& is_new) {
  const int32_t pos = rte_hash_lookup(hash_, key.bytes);
  if (pos >= 0) {
    is_new = false;
    return found(pos);
  }
  is_new = true;
  return insert(key, now_ns);
}

void source_table::expire(uint64_t now_ns, uint32_t budget) {
  if (now_ns < idle_timeout_ns_) {
    return;
  }
  const uint64_t horizon = now_ns - idle_timeout_ns_;
  for (uint32_t i = 0; i < budget; ++i) {
    source_state& s = slots_[aging_hand_];
    aging_hand_ = aging_hand_ + 1 == capacity_ ? 0 : aging_hand_ + 1;
    if (s.in_use && s.last_seen_ns < horizon) {
      remove(s);
      counters_.expired.add();
    }
  }
}

}  // namespace scanscope
