#include "geo/actor_list.hpp"

#include <cctype>
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
  return list;
}

std::optional<actor_list> actor_list::load(const std::string& path, std::string& error,
                                           const actor_list* previous) {
  return parse_file(path, "actor file", error,
                    [&](const std::string& text) { return parse(text, path, error, previous); });
}

uint8_t actor_list::match(const uint8_t* addr16, uint32_t asn) const {
  for (size_t i = 0; i < prefixes_.size(); ++i) {
    if (!actors_[i].retired && prefixes_[i].contains(addr16)) {
      return static_cast<uint8_t>(i + 1);
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
