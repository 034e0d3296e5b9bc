#include "geo/actor_list.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <sstream>

#include "common/file_text.hpp"

namespace scanscope {

namespace {

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 32) {
    return false;
  }
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<actor_list> actor_list::parse(std::string_view text, const std::string& origin,
                                            std::string& error, const actor_list* previous) {
  actor_list list;
  if (previous != nullptr) {
    list.actors_ = previous->actors_;
    for (scanning_actor& a : list.actors_) {
      a.retired = true;  // until the file names it again
    }
    list.prefixes_.resize(list.actors_.size());
  }
  std::istringstream in{std::string(text)};
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = origin + ":" + std::to_string(number) + ": ";
    if (const size_t hash = line.find('#'); hash != std::string::npos) {
      line.resize(hash);
    }
    std::istringstream words(line);
    std::string name, kind, what, values, extra;
    if (!(words >> name)) {
      continue;
    }
    if (!(words >> kind >> what >> values) || (words >> extra)) {
      error = where + "expected 'NAME KIND prefix LIST' or 'NAME KIND as LIST'";
      return std::nullopt;
    }
    if (!valid_name(name) || !valid_name(kind)) {
      error = where + "names and kinds are lower-case letters, digits, '-' and '_' (at most 32)";
      return std::nullopt;
    }
    size_t slot = 0;
    while (slot < list.actors_.size() && list.actors_[slot].name != name) {
      ++slot;
    }
    if (slot == list.actors_.size()) {
      if (list.actors_.size() == max_actors) {
        error = where + "more than " + std::to_string(max_actors) + " actors";
        return std::nullopt;
      }
      list.actors_.push_back({name, kind, false});
      list.prefixes_.emplace_back();
    }
    // Named before in this file (a reload's old actors stay retired until named).
    if (!list.actors_[slot].retired && list.actors_[slot].kind != kind) {
      error = where + "actor '" + name + "' was given kind '" + list.actors_[slot].kind +
              "' before";
      return std::nullopt;
    }
    list.actors_[slot].kind = kind;
    list.actors_[slot].retired = false;
    if (what == "prefix") {
      if (std::string e = list.prefixes_[slot].add_list(values); !e.empty()) {
        error = where + e;
        return std::nullopt;
      }
    } else if (what == "as") {
      std::istringstream numbers(values);
      std::string n;
      while (std::getline(numbers, n, ',')) {
        char* end = nullptr;
        const unsigned long asn = std::strtoul(n.c_str(), &end, 10);
        if (n.empty() || *end != '\0' || asn == 0 || asn > 0xFFFFFFFFUL) {
          error = where + "'" + n + "' is not an AS number";
          return std::nullopt;
        }
        const auto [it, added] =
            list.by_as_.emplace(static_cast<uint32_t>(asn), static_cast<uint8_t>(slot + 1));
        if (!added && it->second != slot + 1) {
          error = where + "AS " + n + " already belongs to '" + list.actors_[it->second - 1].name +
                  "'";
          return std::nullopt;
        }
      }
    } else {
      error = where + "'" + what + "': a match is 'prefix' or 'as'";
      return std::nullopt;
    }
  }
  list.index_v4();
  return list;
}

std::optional<actor_list> actor_list::load(const std::string& path, std::string& error,
                                           const actor_list* previous) {
  return parse_file(path, "actor file", error,
                    [&](const std::string& text) { return parse(text, path, error, previous); });
}

namespace {

/** The IPv4 addresses [first, end) of a prefix's part inside ::ffff:0:0/96 (all of an IPv4
 *  prefix; an IPv6 prefix as short as ::/0 covers every IPv4 address too); false: none. */
bool v4_part(const address_prefix& p, uint64_t& first, uint64_t& end) {
  for (size_t i = 0; i < sizeof v4_mapped_head; ++i) {
    if ((v4_mapped_head[i] & p.mask[i]) != p.bytes[i]) {
      return false;
    }
  }
  const unsigned v4_length = p.length > 96 ? p.length - 96u : 0u;
  first = load_be32(p.bytes + 12);  // host bits are clear
  end = first + (uint64_t{1} << (32 - v4_length));
  return true;
}

}  // namespace

void actor_list::index_v4() {
  struct range {
    uint64_t first, end;  // [first, end)
    uint8_t slot;
  };
  std::vector<range> ranges;
  std::vector<uint64_t> edges{0};
  for (size_t i = 0; i < prefixes_.size(); ++i) {
    if (actors_[i].retired) {
      continue;
    }
    for (const address_prefix& p : prefixes_[i].prefixes()) {
      uint64_t first = 0, end = 0;
      if (v4_part(p, first, end)) {
        ranges.push_back({first, end, static_cast<uint8_t>(i + 1)});
        edges.push_back(first);
        edges.push_back(end);
      }
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  v4_spans_.clear();
  for (const uint64_t edge : edges) {
    if (edge > 0xFFFFFFFFULL) {
      break;
    }
    // Ranges are in file order, so the first that holds the span's start is its actor. Edges
    // times ranges: a file of a few hundred prefixes indexes in well under a millisecond.
    uint8_t slot = 0;
    for (const range& r : ranges) {
      if (edge >= r.first && edge < r.end) {
        slot = r.slot;
        break;
      }
    }
    if (v4_spans_.empty() || v4_spans_.back().slot != slot) {
      v4_spans_.push_back({static_cast<uint32_t>(edge), slot});
    }
  }
}

uint8_t actor_list::match(const uint8_t* addr16, uint32_t asn) const {
  if (is_v4_mapped(addr16)) {
    const uint32_t a = load_be32(addr16 + 12);
    // The last span starting at or before a (the first span starts at 0).
    const auto after = std::upper_bound(v4_spans_.begin(), v4_spans_.end(), a,
                                        [](uint32_t x, const v4_span& s) { return x < s.first; });
    if (after != v4_spans_.begin() && std::prev(after)->slot != 0) {
      return std::prev(after)->slot;
    }
  } else {
    for (size_t i = 0; i < prefixes_.size(); ++i) {
      if (!actors_[i].retired && prefixes_[i].contains_v6(addr16)) {
        return static_cast<uint8_t>(i + 1);
      }
    }
  }
  if (asn != 0) {
    if (const auto it = by_as_.find(asn); it != by_as_.end() && !actors_[it->second - 1].retired) {
      return it->second;
    }
  }
  return 0;
}

const char* actor_list::name_of(uint8_t slot) const {
  return slot == 0 || slot > actors_.size() ? "none" : actors_[slot - 1].name.c_str();
}

const char* actor_list::kind_of(uint8_t slot) const {
  return slot == 0 || slot > actors_.size() ? "none" : actors_[slot - 1].kind.c_str();
}

size_t actor_list::prefix_count() const {
  size_t n = 0;
  for (const prefix_set& p : prefixes_) {
    n += p.size();
  }
  return n;
}

}  // namespace scanscope
