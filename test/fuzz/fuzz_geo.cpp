// libFuzzer target: any bytes as a location database file. Inputs that start like a libloc
// database go to libloc, the rest to the MaxMind-format reader and scanscope's walk of its
// search tree; whatever loads is looked up.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "geo/location_db.hpp"

using namespace scanscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/scanscope-fuzz-" + std::to_string(getpid()) + ".db";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return 0;
  }
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  std::string error;
  std::unique_ptr<location_db> db = location_db::load(path, error);
  std::remove(path.c_str());
  if (db) {
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
    db->lookup_v4(0xC6336407);  // 198.51.100.7
    db->lookup_v6(v6);
    db->v4_blocks_of(1);
  }
  return 0;
}
