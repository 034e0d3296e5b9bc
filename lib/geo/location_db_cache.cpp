// The built lookup tables of a location database on disk: building them from Debian's libloc
// database takes about three seconds, reading them back about a tenth of that. The file is
// keyed by the database's path, size and modification time; a file that does not match, is
// cut short or holds an index out of range is ignored and the tables are built again.

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/file_text.hpp"
#include "geo/location_db.hpp"

namespace scanscope {

namespace {

constexpr char magic[16] = "scanscope-geo1";
// Entries of the IPv4 first-level table: one per /24.
constexpr size_t tbl24_entries = size_t{1} << 24;
// Bounds a damaged file cannot push a reader past.
constexpr uint64_t max_text = 4096;
constexpr uint64_t max_places = uint64_t{1} << 24;
constexpr uint64_t max_tbl8 = uint64_t{1} << 28;
constexpr uint64_t max_v6 = uint64_t{1} << 26;

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

/** Writes values in the machine's byte order (the cache never leaves the host). */
struct writer {
  std::FILE* f;
  bool ok = true;
  void bytes(const void* p, size_t n) { ok = ok && std::fwrite(p, 1, n, f) == n; }
  template <typename T>
  void value(T v) {
    bytes(&v, sizeof v);
  }
  void text(const std::string& s) {
    value<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  template <typename T>
  void array(const std::vector<T>& v) {
    value<uint64_t>(v.size());
    bytes(v.data(), v.size() * sizeof(T));
  }
};

struct reader {
  std::FILE* f;
  bool ok = true;
  void bytes(void* p, size_t n) { ok = ok && std::fread(p, 1, n, f) == n; }
  template <typename T>
  T value() {
    T v{};
    bytes(&v, sizeof v);
    return v;
  }
  std::string text() {
    const auto n = value<uint64_t>();
    if (!ok || n > max_text) {
      ok = false;
      return {};
    }
    std::string s(n, '\0');
    bytes(s.data(), n);
    return s;
  }
  template <typename T>
  std::vector<T> array(uint64_t most) {
    const auto n = value<uint64_t>();
    if (!ok || n > most) {
      ok = false;
      return {};
    }
    std::vector<T> v(n);
    bytes(v.data(), n * sizeof(T));
    return v;
  }
};

}  // namespace

namespace geo_detail {

std::string cache_key(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return {};
  }
  return std::string(magic) + "|" + path + "|" + std::to_string(st.st_size) + "|" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

std::string cache_name(const std::string& key) {
  char name[32];
  std::snprintf(name, sizeof name, "geo-%016llx.cache",
                static_cast<unsigned long long>(std::hash<std::string>{}(key)));
  return name;
}

}  // namespace geo_detail

std::string location_db::save_cache(const std::string& file, const std::string& key) const {
  if (key.empty()) {
    return "cannot read the database's size and time";
  }
  // Sensors (or test runs) sharing a cache folder may write the same entry at once: each
  // writes a file of its own and renames it whole into place.
  const std::string tmp = private_temporary(file);
  file_ptr f(std::fopen(tmp.c_str(), "wb"));
  if (!f) {
    return "cannot write '" + tmp + "': " + std::strerror(errno);
  }
  writer w{f.get()};
  w.bytes(magic, sizeof magic);
  w.text(key);
  w.text(vendor_);
  w.value<int64_t>(created_at_);
  w.value<uint64_t>(networks_v4_);
  w.value<uint64_t>(networks_v6_);
  w.array(countries_);
  w.array(places_);
  w.array(tbl24_);
  w.array(tbl8_);
  w.array(v6_);
  const bool closed = std::fclose(f.release()) == 0;
  if (!w.ok || !closed || std::rename(tmp.c_str(), file.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return "cannot write '" + file + "': " + why;
  }
  return {};
}

std::unique_ptr<location_db> location_db::load_cache(const std::string& file,
                                                     const std::string& key) {
  if (key.empty()) {
    return nullptr;
  }
  file_ptr f(std::fopen(file.c_str(), "rb"));
  if (!f) {
    return nullptr;
  }
  reader r{f.get()};
  char head[sizeof magic];
  r.bytes(head, sizeof head);
  if (!r.ok || std::memcmp(head, magic, sizeof magic) != 0 || r.text() != key) {
    return nullptr;
  }
  std::unique_ptr<location_db> db(new location_db);
  db->vendor_ = r.text();
  db->created_at_ = static_cast<std::time_t>(r.value<int64_t>());
  db->networks_v4_ = r.value<uint64_t>();
  db->networks_v6_ = r.value<uint64_t>();
  db->countries_ = r.array<country>(max_countries);
  db->places_ = r.array<place>(max_places);
  db->tbl24_ = r.array<uint32_t>(tbl24_entries);
  db->tbl8_ = r.array<uint32_t>(max_tbl8);
  db->v6_ = r.array<boundary>(max_v6);
  if (!r.ok || db->countries_.empty() || db->tbl24_.size() != tbl24_entries ||
      db->tbl8_.size() % 256 != 0) {
    return nullptr;
  }
  // Every index the lookups follow must stay inside its table.
  for (country& c : db->countries_) {
    c.code[2] = '\0';
  }
  for (const place& p : db->places_) {
    if (p.country >= db->countries_.size()) {
      return nullptr;
    }
  }
  const size_t places = db->places_.size();
  const size_t groups = db->tbl8_.size() / 256;
  for (const uint32_t v : db->tbl24_) {
    if ((v & tbl8_flag) ? (v & ~tbl8_flag) >= groups : v > places) {
      return nullptr;
    }
  }
  for (const uint32_t v : db->tbl8_) {
    if (v > places) {
      return nullptr;
    }
  }
  for (size_t i = 0; i < db->v6_.size(); ++i) {
    const boundary& b = db->v6_[i];
    if (b.place >= static_cast<int64_t>(places) || (i > 0 && !(db->v6_[i - 1].start < b.start))) {
      return nullptr;
    }
  }
  for (size_t i = 0; i < places; ++i) {
    const place& p = db->places_[i];
    db->place_by_key_.emplace((uint64_t{p.country} << 32) | p.asn, static_cast<uint32_t>(i));
  }
  return db;
}

}  // namespace scanscope
