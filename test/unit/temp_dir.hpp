#pragma once
// A folder of a test's own under /tmp, removed with everything in it at the end of the scope.

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace scanscope::test {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char name[] = "/tmp/scanscope-test-XXXXXX";
    path = mkdtemp(name);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const char* name) const { return (path / name).string(); }
};

}  // namespace scanscope::test
