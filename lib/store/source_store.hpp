#pragma once
/**
 * @file
 * The source store: every source address the sensor has seen within the retention period, what
 * it did (the ports it probed, its clusters, tools and signatures, each with when it was first
 * and last seen), where it comes from (country, AS) and whose it is (actor). The memory of the
 * sensor, where an RX lcore's source table is a cache that forgets.
 *
 * An SQLite database (docs/sources.md has its tables). It is fed once per closed time bucket,
 * from the sources that arrived in it (off the RX path), in chunks of its own transactions so a
 * lookup never waits for a whole bucket. One connection, shared under a lock by the writer and
 * the HTTP API's lookups. Times are those of buckets: a source's first_seen is the start of the
 * first bucket it showed in, its last_seen the end of the last one.
 */

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace scanscope {

/** Unwatched ports kept per source: a sweep over the hours lists these, not 65,535. */
constexpr size_t unwatched_ports_kept = 64;
/** Indicators held per source in one write (a source that sends a new command each time
 *  cannot grow its record without bound; the indicator table counts them all). */
constexpr size_t indicators_kept = 32;

/** One thing a source did in a bucket: probed a port, under a cluster, tool or signature. */
struct source_activity {
  /** port, cluster, tool, signature, ... (series_dimensions' names); unwatched (it probed
   *  `port`, an unwatched one); exposure (monitored host `value` answered it from `port`) */
  std::string kind;
  uint16_t port = 0;    /**< destination port; 0 for kind port: one of the unwatched ports */
  std::string protocol; /**< tcp, udp or any */
  std::string value;    /**< the cluster, tool or signature name; empty for kind port */
  std::string category; /**< a signature's category in the rule file; else empty */
  uint64_t first_seen = 0; /**< start of the first bucket it showed in (0: the source's) */
  uint64_t last_seen = 0;  /**< end of the last one (0: the source's) */
};

/** A source as one or more closed buckets saw it. */
struct source_sighting {
  std::string address; /**< canonical text (IPv4 dotted, IPv6 RFC 5952) */
  uint64_t first_seen = 0; /**< start of the first bucket, seconds since the epoch */
  uint64_t first_end = 0;  /**< end of the first bucket */
  uint64_t last_seen = 0;  /**< end of the last bucket */
  /** Buckets it showed in; 0: none, only facts about it (a host's answer in the bucket after
   *  its probe's) that go to a source the store holds, and change nothing else */
  uint64_t buckets = 1;
  uint64_t packets = 0;    /**< packets it sent in them (each bucket's, added up) */
  std::string country; /**< ISO code; empty: not told (kept as stored, ZZ when new) */
  uint32_t asn = 0;
  std::string actor;   /**< empty: none */
  std::vector<source_activity> activity;
};

/** A stored activity, as a lookup returns it. */
struct stored_activity {
  source_activity what;
  uint64_t first_seen = 0; /**< seconds since the epoch */
  uint64_t last_seen = 0;
};

/** A stored source, as a lookup returns it. */
struct stored_source {
  std::string address;
  uint64_t first_seen = 0; /**< seconds since the epoch: start of its first bucket */
  uint64_t last_seen = 0;  /**< end of its last bucket */
  uint64_t buckets = 0;    /**< buckets it showed in */
  uint64_t packets = 0;    /**< packets it sent in them */
  std::string country;
  uint32_t asn = 0;
  std::string actor;
  std::vector<stored_activity> activity;
};

/**
 * What the store's add() makes of `s` with `x`, in memory: spans widened, buckets added (a first
 * bucket `s` has already is not counted again), country, AS and actor taken when `x` brings
 * them. An empty `s` (no address) becomes `x`; a sighting of facts only (no buckets) adds its
 * activities to a source `s` holds, and nothing to an empty one. A lookup adds what is not
 * written yet this way.
 */
void add_sighting(stored_source& s, const source_sighting& x);

/** Whose other activity a pivot lists: the sources seen under one activity in a period. */
struct pivot_question {
  source_activity under;   /**< kind, port, protocol and value (category ignored) */
  std::string country;     /**< ... and of this country (empty: any) */
  int64_t asn = -1;        /**< ... and of this AS (-1: any) */
  uint64_t from_s = 0;     /**< the period [from_s, to_s) */
  uint64_t to_s = 0;
  size_t top = 10;         /**< rows per kind */
};

/** One other activity of a pivot's sources, and how many of them had it. */
struct pivot_row {
  source_activity what;
  uint64_t sources = 0;
};

struct pivot_answer {
  uint64_t sources = 0;          /**< the sources seen under the activity in the period */
  std::vector<pivot_row> rows;   /**< ports, signatures, tools: most sources first */
};

struct source_store_settings {
  std::string path;               /**< database file */
  uint64_t max_sources = 10000000; /**< sources kept; new ones past it are dropped, counted */
  uint64_t retention_s = 744 * 3600; /**< sources (and activities) silent longer are deleted */
};

/** What the store has done, for /metrics and the report. */
struct source_store_counts {
  uint64_t sources = 0;        /**< sources held now */
  uint64_t buckets = 0;        /**< buckets taken */
  uint64_t dropped = 0;        /**< new sources the budget had no room for */
  uint64_t expired = 0;        /**< sources deleted past the retention period */
  uint64_t write_errors = 0;   /**< statements that failed (a full disk, say): logged once */
};

class source_store {
 public:
  /**
   * Open (or create) the store at settings.path. A file that is not an SQLite database, or fails
   * SQLite's quick check, is renamed to PATH.damaged-SECONDS and a new store started; `notice`
   * says so.
   * @return null with `error` naming the path and SQLite's reason when it cannot be used
   */
  static std::unique_ptr<source_store> open(const source_store_settings& settings,
                                            std::string& error, std::string& notice);
  ~source_store();
  source_store(const source_store&) = delete;
  source_store& operator=(const source_store&) = delete;

  /**
   * Take sources as closed buckets saw them, then delete what is past the retention period
   * from the latest end on. A bucket taken again (a restart completing a bucket cut short)
   * adds what is new and counts nothing twice.
   */
  void add(const std::vector<source_sighting>& sources);

  /** One more closed bucket was taken (its sources added now or later). */
  void count_bucket();

  /** add() the sources of one closed bucket [start_s, end_s), as they are, and count it. */
  void add_bucket(uint64_t start_s, uint64_t end_s, std::vector<source_sighting> sources);

  /** The source at `address` (canonical text), with its activity; nothing when never seen. */
  std::optional<stored_source> lookup(const std::string& address) const;

  /**
   * Visit stored sources seen after `since_s`, by address: `visit` gets each with its
   * activity, and returns false to stop.
   */
  void for_each(uint64_t since_s, const std::function<bool(const stored_source&)>& visit) const;

  /**
   * The other ports, signatures and tools of the sources seen under `q.under` in the period,
   * each with how many of them: an activity counts when its span (first to last seen) overlaps
   * the period.
   */
  pivot_answer pivot(const pivot_question& q) const;
  /** The same for many questions in one pass over the store (source_pivots.cpp): a campaigns
   *  answer asks one per campaign, and one scan serves them all. */
  std::vector<pivot_answer> pivots(const std::vector<pivot_question>& qs) const;

  source_store_counts counts() const;
  /** Whether the budget is spent: a source not in the store now would be dropped. */
  bool full() const { return counts().sources >= settings_.max_sources; }
  /** The first write error (SQLite's message), empty while there was none. */
  std::string first_error() const;
  const std::string& path() const { return settings_.path; }

 private:
  explicit source_store(source_store_settings settings) : settings_(std::move(settings)) {}
  /** Tables and statements; the message of what failed, empty when all is ready. */
  std::string prepare();
  void add_chunk(const source_sighting* first, size_t n);
  bool step_done(sqlite3_stmt* s);
  void expire(uint64_t cutoff_s);
  void read_activity(stored_source& s) const;
  void note_error(const char* what);

  source_store_settings settings_;
  sqlite3* db_ = nullptr;
  mutable std::mutex lock_;
  sqlite3_stmt* touch_ = nullptr;    // UPDATE a known source
  sqlite3_stmt* insert_ = nullptr;   // INSERT a new one
  sqlite3_stmt* activity_ = nullptr; // upsert an activity
  sqlite3_stmt* unwatched_ = nullptr; // ... an unwatched port, within unwatched_ports_kept
  sqlite3_stmt* source_ = nullptr;   // SELECT one source
  sqlite3_stmt* its_activity_ = nullptr;
  source_store_counts counts_;
  uint64_t expired_through_ = 0;
  std::string first_error_;
};

}  // namespace scanscope
