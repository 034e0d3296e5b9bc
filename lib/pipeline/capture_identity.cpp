#include "pipeline/capture_identity.hpp"

#include <cstdio>
#include <vector>

namespace scanscope {

namespace {

constexpr size_t sample_bytes = size_t{1} << 20;

/** FNV-1a, 64 bits: stable across builds and machines, which an identity written to disk and
 *  to the fleet store must be. */
struct fnv1a {
  uint64_t h = 1469598103934665603ULL;
  void add(const unsigned char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      h = (h ^ data[i]) * 1099511628211ULL;
    }
  }
  void add_number(uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      const auto byte = static_cast<unsigned char>(v >> (8 * i));
      add(&byte, 1);
    }
  }
};

/** Add `n` bytes from `offset` of `f`; false when they cannot be read. */
bool add_range(fnv1a& hash, std::FILE* f, long offset, size_t n, std::vector<unsigned char>& buf) {
  buf.resize(n);
  return std::fseek(f, offset, SEEK_SET) == 0 && std::fread(buf.data(), 1, n, f) == n &&
         (hash.add(buf.data(), n), true);
}

}  // namespace

std::optional<uint64_t> capture_identity(const std::vector<std::string>& paths) {
  fnv1a hash;
  std::vector<unsigned char> buf;
  for (const std::string& path : paths) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      return std::nullopt;
    }
    bool ok = std::fseek(f, 0, SEEK_END) == 0;
    const long size = ok ? std::ftell(f) : -1;
    ok = ok && size >= 0;
    if (ok) {
      const auto n = static_cast<size_t>(size);
      hash.add_number(n);
      const size_t head = n < sample_bytes ? n : sample_bytes;
      ok = add_range(hash, f, 0, head, buf);
      // The tail, where it does not overlap the head already read.
      if (ok && n > head) {
        const size_t tail = n - head < sample_bytes ? n - head : sample_bytes;
        ok = add_range(hash, f, static_cast<long>(n - tail), tail, buf);
      }
    }
    std::fclose(f);
    if (!ok) {
      return std::nullopt;
    }
  }
  return hash.h == 0 ? 1 : hash.h;
}

}  // namespace scanscope
