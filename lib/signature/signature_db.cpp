#include "signature/signature_db.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file_text.hpp"

namespace scanscope {

namespace {

struct hs_compile_error_deleter {
  void operator()(hs_compile_error_t* e) const { hs_free_compile_error(e); }
};

uint64_t fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h = (h ^ p[i]) * 1099511628211ULL;
  }
  return h;
}

/** The slots of the rules that are not retired. */
std::vector<uint16_t> active_slots(const std::vector<signature_rule>& rules) {
  std::vector<uint16_t> slots;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].retired) {
      slots.push_back(static_cast<uint16_t>(i));
    }
  }
  return slots;
}

/** Compile the rules of `slots` in one mode, each under its slot as id; the error names the
 *  rule Hyperscan rejected. */
hs_database_ptr compile(const std::vector<signature_rule>& rules,
                        const std::vector<uint16_t>& slots, unsigned mode,
                        const std::string& origin, std::string& error) {
  std::vector<const char*> patterns;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  std::vector<hs_expr_ext_t> ext(rules.size());
  std::vector<const hs_expr_ext_t*> ext_ptrs;
  for (const uint16_t i : slots) {
    const signature_rule& r = rules[i];
    patterns.push_back(r.pattern.c_str());
    // One hit per rule per datagram (block) or per connection (stream) is all we count.
    flags.push_back(r.flags | HS_FLAG_SINGLEMATCH);
    ids.push_back(static_cast<unsigned>(i));
    ext[i] = hs_expr_ext_t{};
    if (r.offset != 0) {
      ext[i].flags |= HS_EXT_FLAG_MIN_OFFSET;
      ext[i].min_offset = r.offset;
    }
    if (r.depth != 0) {
      ext[i].flags |= HS_EXT_FLAG_MAX_OFFSET;
      ext[i].max_offset = r.depth;
    }
    ext_ptrs.push_back(&ext[i]);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* raw_error = nullptr;
  const hs_error_t rc =
      hs_compile_ext_multi(patterns.data(), flags.data(), ids.data(), ext_ptrs.data(),
                           static_cast<unsigned>(patterns.size()), mode, nullptr, &db, &raw_error);
  std::unique_ptr<hs_compile_error_t, hs_compile_error_deleter> compile_error(raw_error);
  if (rc != HS_SUCCESS) {
    const int which = compile_error ? compile_error->expression : -1;
    const std::string message = compile_error ? compile_error->message : "unknown error";
    if (which >= 0 && static_cast<size_t>(which) < ids.size()) {
      const signature_rule& r = rules[ids[static_cast<size_t>(which)]];
      error = origin + ":" + std::to_string(r.line) + ": rule " + std::to_string(r.id) + " (" +
              r.name + "): Hyperscan: " + message;
    } else {
      error = origin + ": Hyperscan: " + message;
    }
    return nullptr;
  }
  return hs_database_ptr(db);
}

std::string cache_path(const std::string& dir, const std::string& text,
                       const std::vector<signature_rule>& slots) {
  hs_platform_info_t platform{};
  hs_populate_platform(&platform);
  uint64_t h = fnv1a(text.data(), text.size());
  // The same text compiles to other ids when a reload kept slots for earlier rules.
  for (const signature_rule& r : slots) {
    const uint64_t slot[2] = {r.id, r.retired ? 1u : 0u};
    h = fnv1a(slot, sizeof slot, h);
  }
  const char* version = hs_version();
  h = fnv1a(version, std::strlen(version), h);
  h = fnv1a(&platform, sizeof platform, h);
  // The file's layout: stream database, then one block database per port group (up to
  // max_groups); a file of another layout has another name.
  const uint64_t layout[2] = {2, port_groups::max_groups};
  h = fnv1a(layout, sizeof layout, h);
  char name[64];
  std::snprintf(name, sizeof name, "signatures-%016llx.hsdb", static_cast<unsigned long long>(h));
  return (std::filesystem::path(dir) / name).string();
}

/** Cache file: for each database (stream, then the port groups' block ones) its size as a u64
 *  and its serialized bytes. */
bool load_cache(const std::string& path, size_t count, std::vector<hs_database_ptr>& dbs) {
  const std::optional<std::string> file = read_file(path);
  if (!file) {
    return false;
  }
  const std::string& bytes = *file;
  std::vector<hs_database_ptr> loaded;
  size_t at = 0;
  while (loaded.size() < count) {
    uint64_t size = 0;
    if (bytes.size() - at < sizeof size) {
      return false;
    }
    std::memcpy(&size, bytes.data() + at, sizeof size);
    at += sizeof size;
    hs_database_t* db = nullptr;
    if (size > bytes.size() - at ||
        hs_deserialize_database(bytes.data() + at, size, &db) != HS_SUCCESS) {
      return false;
    }
    loaded.emplace_back(db);
    at += size;
  }
  if (at != bytes.size()) {
    return false;
  }
  dbs = std::move(loaded);
  return true;
}

void save_cache(const std::string& path, const std::vector<const hs_database_t*>& dbs) {
  std::string bytes;
  for (const hs_database_t* db : dbs) {
    char* data = nullptr;
    size_t n = 0;
    if (hs_serialize_database(db, &data, &n) != HS_SUCCESS) {
      return;
    }
    const uint64_t size = n;
    bytes.append(reinterpret_cast<const char*>(&size), sizeof size);
    bytes.append(data, n);
    std::free(data);
  }
  // Sensors (or test runs) sharing a cache folder may write the same entry at once: each
  // writes a file of its own and renames it whole into place.
  const std::string tmp = private_temporary(path);
  std::ofstream out(tmp, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  std::error_code ignored;
  if (out) {
    std::filesystem::rename(tmp, path, ignored);
  } else {
    std::filesystem::remove(tmp, ignored);
  }
}

/** The slot layout of a reload: rules keep the slot of their id, new ids follow. */
std::vector<signature_rule> keep_slots(const std::vector<signature_rule>& previous,
                                       std::vector<signature_rule> rules) {
  std::vector<signature_rule> slots = previous;
  for (signature_rule& r : slots) {
    r.retired = true;
  }
  for (signature_rule& r : rules) {
    auto same = std::find_if(slots.begin(), slots.end(),
                             [&](const signature_rule& s) { return s.id == r.id; });
    if (same != slots.end()) {
      *same = std::move(r);
    } else {
      slots.push_back(std::move(r));
    }
  }
  return slots;
}

}  // namespace

std::unique_ptr<signature_db> signature_db::build(std::vector<signature_rule> rules,
                                                  const std::string& origin,
                                                  const std::string& text,
                                                  const std::string& cache_dir,
                                                  std::string& error,
                                                  const signature_db* previous) {
  if (rules.size() > max_rules) {
    error = origin + ": " + std::to_string(rules.size()) + " rules, at most " +
            std::to_string(max_rules);
    return nullptr;
  }
  std::unique_ptr<signature_db> db(new signature_db);
  db->active_ = rules.size();
  if (previous != nullptr) {
    rules = keep_slots(previous->rules_, std::move(rules));
    if (rules.size() > max_rules) {
      error = origin + ": these rules and those dropped since start take " +
              std::to_string(rules.size()) + " slots, counters hold " +
              std::to_string(max_rules) + " (restart to start counting afresh)";
      return nullptr;
    }
  }
  db->groups_ = port_groups::of(rules);
  const size_t count = 1 + db->groups_.rules.size();
  std::vector<hs_database_ptr> dbs;
  std::string cached;
  if (!cache_dir.empty()) {
    cached = cache_path(cache_dir, text, rules);
    if (load_cache(cached, count, dbs)) {
      db->note_ = "loaded from " + cached;
    }
  }
  if (dbs.empty()) {
    hs_database_ptr stream = compile(rules, active_slots(rules), HS_MODE_STREAM, origin, error);
    if (!stream) {
      return nullptr;
    }
    dbs.push_back(std::move(stream));
    for (const std::vector<uint16_t>& group : db->groups_.rules) {
      hs_database_ptr block = compile(rules, group, HS_MODE_BLOCK, origin, error);
      if (!block) {
        return nullptr;
      }
      dbs.push_back(std::move(block));
    }
    db->note_ = "compiled";
    if (!cached.empty()) {
      std::error_code ignored;
      std::filesystem::create_directories(cache_dir, ignored);
      std::vector<const hs_database_t*> raw;
      for (const hs_database_ptr& d : dbs) {
        raw.push_back(d.get());
      }
      save_cache(cached, raw);
      db->note_ += ", cached in " + cached;
    }
  }
  db->stream_ = std::move(dbs.front());
  for (size_t i = 1; i < dbs.size(); ++i) {
    db->blocks_.push_back(std::move(dbs[i]));
  }
  db->note_ += "; " + std::to_string(db->blocks_.size()) + " block-mode " +
               (db->groups_.merged ? "database (more than " +
                                         std::to_string(port_groups::max_groups) +
                                         " port groups: one holds every rule)"
                                   : "databases by destination port");
  hs_scratch_t* scratch = nullptr;
  bool allocated = hs_alloc_scratch(db->stream_.get(), &scratch) == HS_SUCCESS;
  for (const hs_database_ptr& block : db->blocks_) {
    allocated = allocated && hs_alloc_scratch(block.get(), &scratch) == HS_SUCCESS;
  }
  if (!allocated) {
    hs_free_scratch(scratch);
    error = "Hyperscan: cannot allocate scratch space";
    return nullptr;
  }
  db->prototype_.reset(scratch);
  if (hs_stream_size(db->stream_.get(), &db->stream_size_) != HS_SUCCESS) {
    error = "Hyperscan: cannot size stream state";
    return nullptr;
  }
  db->rules_ = std::move(rules);
  return db;
}

std::unique_ptr<signature_db> signature_db::load(const std::string& path,
                                                 const std::string& cache_dir, std::string& error,
                                                 const signature_db* previous) {
  return parse_file(path, "signature rules", error,
                    [&](const std::string& text) -> std::unique_ptr<signature_db> {
                      auto rules = parse_signature_rules(text, path, error);
                      if (!rules) {
                        return nullptr;
                      }
                      return build(std::move(*rules), path, text, cache_dir, error, previous);
                    });
}

hs_scratch_ptr signature_db::clone_scratch(std::string& error) const {
  hs_scratch_t* s = nullptr;
  if (hs_clone_scratch(prototype_.get(), &s) != HS_SUCCESS) {
    error = "Hyperscan: cannot clone scratch space";
    return nullptr;
  }
  return hs_scratch_ptr(s);
}

}  // namespace scanscope
