#pragma once
/**
 * @file
 * Closed time buckets appended to files an analyst can load anywhere: one JSON Lines file and
 * one CSV file per UTC day under a folder, a line per (port, kind, value, country) of a bucket.
 * A bucket cut short by a stop is written with partial=true; a run that completes it after a
 * restart writes its own counts of the same bucket (lines of one bucket and key add up).
 */

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "export/series_ledger.hpp"
#include "stats/series_store.hpp"
#include "stats/watched_ports.hpp"
#include "geo/unknown_country.hpp"

namespace scanscope {

/** Names behind the indexes of series keys (the Names of value_words()). */
struct series_names {
  const watched_ports* ports = nullptr; /**< watched-port index → port */
  std::vector<std::string> clusters;    /**< cluster index → name */
  std::vector<std::string> signatures;  /**< rule index → name */
  std::vector<std::string> countries;   /**< country index → ISO code */
  std::vector<std::string> actors;      /**< actor slot - 1 → name */

  std::string cluster(uint32_t i) const { return i < clusters.size() ? clusters[i] : ""; }
  std::string rule(uint32_t i) const { return i < signatures.size() ? signatures[i] : ""; }
  std::string actor(uint32_t slot) const {
    return slot >= 1 && slot <= actors.size() ? actors[slot - 1] : "";
  }
  /** Fingerprint entries are written as the hex of their short hash. */
  std::string fingerprint(uint16_t, uint32_t) const { return ""; }
  std::string country(uint32_t i) const {
    return i < countries.size() ? countries[i] : unknown_country_code;
  }
};

/** A series key in words, as the series files and the fleet store write it. */
struct series_labels {
  std::string port = "other"; /**< the port number, or "other" */
  std::string protocol = "any";
  std::string kind;    /**< the row's name in series_dimensions: port, cluster, tool, as ... */
  std::string value;   /**< the value in words (value_words) */
  std::string country; /**< ISO code; empty for per-port kinds (fingerprint, actor, as) */
};

/** Name the parts of a series key. */
series_labels label_series_key(const series_names& names, uint64_t key);

/** One line of the CSV day files, newline included. */
std::string series_csv_line(const std::string& start, const series_labels& l, uint64_t packets,
                            uint64_t sources, bool partial);

/**
 * Take the lines `input` wrote for `buckets` out of the day files (JSON Lines by their `input`
 * field; in the CSV files, as many lines equal to theirs), rewriting each file changed.
 * @param removed lines taken out of the JSON Lines files
 * @return empty, or why a file could not be rewritten (naming it)
 */
std::string take_back_lines(const std::string& dir, const std::string& input,
                            const std::set<int64_t>& buckets, uint64_t bucket_ns,
                            uint64_t& removed);

class series_files {
 public:
  /** @param dir created if missing */
  series_files(std::string dir, series_names names, uint64_t bucket_ns);

  /**
   * Write through `ledger` (opened): each bucket whole or not at all. With `skip_written`, a
   * bucket this input wrote in an earlier run is not written again (a rerun fills what is
   * missing).
   */
  void use_ledger(std::unique_ptr<series_ledger> ledger, bool skip_written) {
    ledger_ = std::move(ledger);
    skip_written_ = skip_written;
  }

  /**
   * Append one closed bucket.
   * @return empty on success, else a message naming the file and the OS error
   */
  std::string append(int64_t bucket, const std::map<uint64_t, series_point>& points, bool partial);

  /** Name series keys with these from now on (after a reload added clusters or rules). */
  void set_names(series_names names) { names_ = std::move(names); }

  /** Lines written so far. */
  uint64_t lines() const { return lines_; }
  /** Buckets not written because this input wrote them in an earlier run. */
  uint64_t written_before() const { return written_before_; }
  /** Buckets that could not be written, and the first failure (path and reason). */
  uint64_t write_errors() const { return write_errors_; }
  const std::string& first_error() const { return first_error_; }

 private:
  std::string dir_;
  series_names names_;
  uint64_t bucket_ns_;
  uint64_t lines_ = 0;
  uint64_t written_before_ = 0;
  std::unique_ptr<series_ledger> ledger_; /**< null: append without a record */
  bool skip_written_ = false;
  uint64_t write_errors_ = 0;
  std::string first_error_;
};

}  // namespace scanscope
