#include "signature/signature_db.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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

/** Compile the rules that are not retired in one mode, each under its slot as id; the error
 *  names the rule Hyperscan rejected. */
hs_database_ptr compile(const std::vector<signature_rule>& rules, unsigned mode,
                        const std::string& origin, std::string& error) {
  std::vector<const char*> patterns;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  std::vector<hs_expr_ext_t> ext(rules.size());
  std::vector<const hs_expr_ext_t*> ext_ptrs;
  for (size_t i = 0; i < rules.size(); ++i) {
    const signature_rule& r = rules[i];
    if (r.retired) {
      continue;
    }
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
  char name[64];
  std::snprintf(name, sizeof name, "signatures-%016llx.hsdb", static_cast<unsigned long long>(h));
  return (std::filesystem::path(dir) / name).string();
}

/** Cache file: [u64 block size][block bytes][stream bytes]. */
bool load_cache(const std::string& path, hs_database_ptr& block, hs_database_ptr& stream) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  uint64_t block_size = 0;
  if (bytes.size() < sizeof block_size) {
    return false;
  }
  std::memcpy(&block_size, bytes.data(), sizeof block_size);
  if (block_size > bytes.size() - sizeof block_size) {
    return false;
  }
  hs_database_t* b = nullptr;
  hs_database_t* s = nullptr;
  const char* base = bytes.data() + sizeof block_size;
  if (hs_deserialize_database(base, block_size, &b) != HS_SUCCESS) {
    return false;
  }
  block.reset(b);
  if (hs_deserialize_database(base + block_size, bytes.size() - sizeof block_size - block_size,
                              &s) != HS_SUCCESS) {
    block.reset();
    return false;
  }
  stream.reset(s);
  return true;
}

void save_cache(const std::string& path, const hs_database_t* block, const hs_database_t* stream) {
  char* b = nullptr;
  char* s = nullptr;
  size_t bn = 0;
  size_t sn = 0;
  if (hs_serialize_database(block, &b, &bn) != HS_SUCCESS) {
    return;
  }
  if (hs_serialize_database(stream, &s, &sn) == HS_SUCCESS) {
    const std::string tmp = path + ".tmp";
    std::ofstream out(tmp, std::ios::binary);
    const uint64_t block_size = bn;
    out.write(reinterpret_cast<const char*>(&block_size), sizeof block_size);
    out.write(b, static_cast<std::streamsize>(bn));
    out.write(s, static_cast<std::streamsize>(sn));
    out.close();
    std::error_code ignored;
    if (out) {
      std::filesystem::rename(tmp, path, ignored);
    } else {
      std::filesystem::remove(tmp, ignored);
    }
    std::free(s);
  }
  std::free(b);
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
  std::string cached;
  if (!cache_dir.empty()) {
    cached = cache_path(cache_dir, text, rules);
    if (load_cache(cached, db->block_, db->stream_)) {
      db->note_ = "loaded from " + cached;
    }
  }
  if (!db->block_) {
    db->block_ = compile(rules, HS_MODE_BLOCK, origin, error);
    if (!db->block_) {
      return nullptr;
    }
    db->stream_ = compile(rules, HS_MODE_STREAM, origin, error);
    if (!db->stream_) {
      return nullptr;
    }
    db->note_ = "compiled";
    if (!cached.empty()) {
      std::error_code ignored;
      std::filesystem::create_directories(cache_dir, ignored);
      save_cache(cached, db->block_.get(), db->stream_.get());
      db->note_ += ", cached in " + cached;
    }
  }
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db->block_.get(), &scratch) != HS_SUCCESS ||
      hs_alloc_scratch(db->stream_.get(), &scratch) != HS_SUCCESS) {
    hs_free_scratch(scratch);
    error = "Hyperscan: cannot allocate scratch space";
    return nullptr;
  }
  db->prototype_.reset(scratch);
  if (hs_stream_size(db->stream_.get(), &db->stream_size_) != HS_SUCCESS) {
    error = "Hyperscan: cannot size stream state";
    return nullptr;
  }
  db->tcp_ports_.assign(65536, false);
  db->udp_ports_.assign(65536, false);
  for (const signature_rule& r : rules) {
    for (uint32_t port = 0; port < 65536; ++port) {
      const auto p = static_cast<uint16_t>(port);
      if (r.applies(true, p)) {
        db->tcp_ports_[port] = true;
      }
      if (r.applies(false, p)) {
        db->udp_ports_[port] = true;
      }
    }
  }
  db->rules_ = std::move(rules);
  return db;
}

std::unique_ptr<signature_db> signature_db::load(const std::string& path,
                                                 const std::string& cache_dir, std::string& error,
                                                 const signature_db* previous) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read signature rules '" + path + "'";
    return nullptr;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto rules = parse_signature_rules(text.str(), path, error);
  if (!rules) {
    return nullptr;
  }
  return build(std::move(*rules), path, text.str(), cache_dir, error, previous);
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
