#pragma once
/**
 * @file
 * Known scanning organisations (research projects, search engines) by prefix and AS number,
 * from config/actors.conf: each source gets an actor, or none, once, when it is first seen.
 * Counts split the sources of published scanners (GreyNoise's "benign") from the rest.
 *
 * File format, one match per line (an actor may have several lines):
 *   NAME  KIND  prefix PREFIX[,PREFIX...]
 *   NAME  KIND  as NUMBER[,NUMBER...]
 * NAME is [a-z0-9_-]+, KIND a word such as `research`; `#` starts a comment.
 */

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/limits.hpp"
#include "packet/prefix_set.hpp"

namespace scanscope {

struct scanning_actor {
  std::string name;     /**< e.g. "censys" */
  std::string kind;     /**< e.g. "research" */
  bool retired = false; /**< gone from the file at a reload; its slot and counts stay */
};

class actor_list {
 public:
  /** Actors a list can hold; slot 0 stands for "no actor". */
  static constexpr size_t max_actors = actor_slots - 1;

  /**
   * Parse the file's text. `previous`: the list in use, whose actors keep their slots (a reload).
   * @return nullopt with `error` naming origin:line and what is wrong
   */
  static std::optional<actor_list> parse(std::string_view text, const std::string& origin,
                                         std::string& error, const actor_list* previous = nullptr);
  static std::optional<actor_list> load(const std::string& path, std::string& error,
                                        const actor_list* previous = nullptr);

  /** The actor slot of a source (0: none): its address (IPv4 mapped) or its AS number. */
  uint8_t match(const uint8_t* addr16, uint32_t asn) const;

  /** Slot i + 1 is actors()[i]. */
  const std::vector<scanning_actor>& actors() const { return actors_; }
  /** "none" for slot 0, else the actor's name. */
  const char* name_of(uint8_t slot) const;
  const char* kind_of(uint8_t slot) const;
  size_t prefix_count() const;
  size_t as_count() const { return by_as_.size(); }

 private:
  /** IPv4 addresses from `first` up to the next span's first belong to `slot` (0: none). */
  struct v4_span {
    uint32_t first;
    uint8_t slot;
  };
  /** Fill v4_spans_ from the prefixes: the first actor in the file whose prefix holds an
   *  address wins it, as the scan over the actors in order would decide. */
  void index_v4();

  std::vector<scanning_actor> actors_;
  std::vector<prefix_set> prefixes_;  // per actor
  std::unordered_map<uint32_t, uint8_t> by_as_;
  /** Sorted by first, from 0: a new source's IPv4 actor in one binary search, not a scan of
   *  every prefix (hundreds, and a new source every few packets on a busy darknet). */
  std::vector<v4_span> v4_spans_;
};

}  // namespace scanscope
