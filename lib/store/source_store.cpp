#include "store/source_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <tuple>

#include "geo/unknown_country.hpp"
#include "store/sqlite_values.hpp"

namespace scanscope {

namespace {

// 2: sources.packets (added to a version 1 store at start).
constexpr int schema_version = 2;
/** A new source's country when no per-country key told it. */
const std::string unknown_country = unknown_country_code;

// Keys and columns are documented in docs/sources.md. Addresses are canonical text: what an
// analyst types is what is stored, and a blocklist is a SELECT.
constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS sources(
  address TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  buckets INTEGER NOT NULL,
  country TEXT NOT NULL,
  asn INTEGER NOT NULL,
  actor TEXT NOT NULL,
  packets INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sources_by_last_seen ON sources(last_seen);
CREATE TABLE IF NOT EXISTS activity(
  address TEXT NOT NULL,
  kind TEXT NOT NULL,
  port INTEGER NOT NULL,
  protocol TEXT NOT NULL,
  value TEXT NOT NULL,
  category TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY(address, kind, port, protocol, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS activity_by_last_seen ON activity(last_seen);
)";

// Rows per transaction: a lookup waits for one chunk, not for a bucket of a million sources.
constexpr size_t chunk_sources = 4096;

std::string sqlite_reason(sqlite3* db, int rc) {
  return db != nullptr && rc != SQLITE_CANTOPEN ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
}

/** Open `path` and make sure it is a usable store; the reason it is not, else empty. */
std::string open_checked(const std::string& path, sqlite3*& db, bool& damaged) {
  damaged = false;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    return sqlite_reason(db, rc);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* check = nullptr;
  rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &check, nullptr);
  std::string verdict;
  if (rc == SQLITE_OK && sqlite3_step(check) == SQLITE_ROW) {
    verdict = column_text(check, 0);
  } else {
    rc = sqlite3_errcode(db);
  }
  sqlite3_finalize(check);
  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT || (rc == SQLITE_OK && verdict != "ok")) {
    damaged = true;
    if (rc != SQLITE_OK) {
      return sqlite_reason(db, rc);
    }
    return verdict.empty() ? std::string("the integrity check gave no verdict") : verdict;
  }
  if (rc != SQLITE_OK) {
    return sqlite_reason(db, rc);
  }
  return {};
}

}  // namespace

void add_sighting(stored_source& s, const source_sighting& x) {
  if (x.buckets == 0 && s.address.empty()) {
    return;  // facts about a source not held
  }
  if (x.buckets == 0) {
    // Facts only: the activities below, no span.
  } else if (s.address.empty()) {
    s.address = x.address;
    s.first_seen = x.first_seen;
    s.last_seen = x.last_seen;
    s.buckets = x.buckets;
    s.packets = x.packets;
    s.country = x.country.empty() ? unknown_country : x.country;
    s.asn = x.asn;
    s.actor = x.actor;
  } else {
    s.buckets += x.buckets - (x.first_end <= s.last_seen ? 1 : 0);
    s.packets += x.packets;
    s.first_seen = std::min(s.first_seen, x.first_seen);
    s.last_seen = std::max(s.last_seen, x.last_seen);
    s.country = x.country.empty() ? s.country : x.country;
    s.asn = x.asn == 0 ? s.asn : x.asn;
    s.actor = x.actor.empty() ? s.actor : x.actor;
  }
  const auto key = [](const source_activity& a) {
    return std::tie(a.kind, a.port, a.protocol, a.value);
  };
  for (const source_activity& a : x.activity) {
    const uint64_t first = a.first_seen != 0 ? a.first_seen : x.first_seen;
    const uint64_t last = a.last_seen != 0 ? a.last_seen : x.last_seen;
    auto held = std::find_if(s.activity.begin(), s.activity.end(),
                             [&](const stored_activity& h) { return key(h.what) == key(a); });
    const auto kept = [&](const std::string& kind) {
      return std::count_if(s.activity.begin(), s.activity.end(),
                           [&](const stored_activity& h) { return h.what.kind == kind; });
    };
    if (held == s.activity.end() && a.kind == "unwatched" &&
        kept(a.kind) >= static_cast<std::ptrdiff_t>(unwatched_ports_kept)) {
      continue;  // as the store keeps them
    }
    if (held == s.activity.end()) {
      stored_activity added;
      added.what = a;
      added.first_seen = first;
      added.last_seen = last;
      s.activity.push_back(std::move(added));
    } else {
      held->what.category = a.category;
      held->first_seen = std::min(held->first_seen, first);
      held->last_seen = std::max(held->last_seen, last);
    }
  }
  // In the order a lookup reads them from the store.
  std::sort(s.activity.begin(), s.activity.end(),
            [&](const stored_activity& a, const stored_activity& b) {
              return key(a.what) < key(b.what);
            });
}

std::unique_ptr<source_store> source_store::open(const source_store_settings& settings,
                                                 std::string& error, std::string& notice) {
  std::unique_ptr<source_store> store(new source_store(settings));
  const std::string& path = settings.path;
  bool damaged = false;
  std::string reason = open_checked(path, store->db_, damaged);
  if (!reason.empty()) {
    sqlite3_close(store->db_);
    store->db_ = nullptr;
    if (!damaged) {
      error = "source store " + (path.empty() ? std::string("(temporary)") : path) +
              ": cannot open: " + reason;
      return nullptr;
    }
    // A damaged store is kept for a look, and the sensor starts anew rather than not at all.
    const std::string aside = path + ".damaged-" + std::to_string(std::time(nullptr));
    if (std::rename(path.c_str(), aside.c_str()) != 0) {
      error = "source store " + path + " is damaged (" + reason + ") and cannot be moved aside";
      return nullptr;
    }
    // Its journal goes with it: the new store must not replay the old one's pages.
    for (const char* suffix : {"-wal", "-shm"}) {
      std::rename((path + suffix).c_str(), (aside + suffix).c_str());
    }
    notice = "source store " + path + " is damaged (" + reason + "): moved to " + aside +
             ", starting a new one";
    reason = open_checked(path, store->db_, damaged);
    if (!reason.empty()) {
      error = "source store " + path + ": cannot open: " + reason;
      return nullptr;
    }
  }
  if (const std::string failed = store->prepare(); !failed.empty()) {
    error = "source store " + path + ": " + failed;
    return nullptr;
  }
  return store;
}

std::string source_store::prepare() {
  char* message = nullptr;
  // WAL: a reader (sqlite3 at the command line, a backup) does not block the writer.
  // A page cache of 256 MB: upserts in address order then touch each page once per write.
  const std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                        "PRAGMA cache_size=-262144;") +
                            schema + "PRAGMA user_version;";
  if (sqlite3_exec(db_, setup.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string failed = message != nullptr ? message : "cannot create the tables";
    sqlite3_free(message);
    return failed;
  }
  // A version 1 store has no packets column: its sources count from now on.
  sqlite3_stmt* probe = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT packets FROM sources LIMIT 0", -1, &probe, nullptr) !=
          SQLITE_OK &&
      sqlite3_exec(db_, "ALTER TABLE sources ADD COLUMN packets INTEGER NOT NULL DEFAULT 0",
                   nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string failed = std::string("cannot add the packets column: ") +
                               (message != nullptr ? message : sqlite3_errmsg(db_));
    sqlite3_free(message);
    return failed;
  }
  sqlite3_finalize(probe);
  sqlite3_exec(db_, ("PRAGMA user_version=" + std::to_string(schema_version)).c_str(), nullptr,
               nullptr, nullptr);
  std::string error;
  const auto make = [&](const char* sql, sqlite3_stmt*& s) {
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      error = sqlite3_errmsg(db_);
      return false;
    }
    return true;
  };
  // A first bucket the store has already (a restart completing it) is not counted again.
  // Country, AS and actor are kept when a sighting does not bring them (its arrivals under
  // those keys were dropped by a full bucket): a known actor never turns into a stranger.
  const bool made =
      make(
          "UPDATE sources SET first_seen=min(first_seen, ?2), "
          "buckets=buckets+?7-(?8<=last_seen), last_seen=max(last_seen, ?3), "
          "packets=packets+?9, "
          "country=CASE WHEN ?4='' THEN country ELSE ?4 END, "
          "asn=CASE WHEN ?5=0 THEN asn ELSE ?5 END, "
          "actor=CASE WHEN ?6='' THEN actor ELSE ?6 END WHERE address=?1",
          touch_) &&
      make(
          "INSERT INTO sources(address, first_seen, last_seen, buckets, country, asn, actor, "
          "packets) VALUES(?1, ?2, ?3, ?7, ?4, ?5, ?6, ?9)",
          insert_) &&
      make(
          "INSERT INTO activity VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
          "ON CONFLICT DO UPDATE SET first_seen=min(first_seen, excluded.first_seen), "
          "last_seen=max(last_seen, excluded.last_seen), category=excluded.category",
          activity_) &&
      // SELECT ... WHERE: a new unwatched port only while the source has room for one.
      make(("INSERT INTO activity SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE "
            "(SELECT count(*) FROM activity WHERE address=?1 AND kind=?2) < " +
            std::to_string(unwatched_ports_kept) +
            " OR EXISTS (SELECT 1 FROM activity WHERE address=?1 AND kind=?2 AND port=?3 "
            "AND protocol=?4 AND value=?5) "
            "ON CONFLICT DO UPDATE SET first_seen=min(first_seen, excluded.first_seen), "
            "last_seen=max(last_seen, excluded.last_seen)")
               .c_str(),
           unwatched_) &&
      make(
          "SELECT address, first_seen, last_seen, buckets, country, asn, actor, packets "
          "FROM sources WHERE address=?1",
          source_) &&
      make(
          "SELECT kind, port, protocol, value, category, first_seen, last_seen FROM activity "
          "WHERE address=?1 ORDER BY kind, port, protocol, value",
          its_activity_) &&
      [&] {
        sqlite3_stmt* n = nullptr;
        if (!make("SELECT count(*) FROM sources", n)) {
          return false;
        }
        if (sqlite3_step(n) == SQLITE_ROW) {
          counts_.sources = static_cast<uint64_t>(sqlite3_column_int64(n, 0));
        }
        sqlite3_finalize(n);
        return true;
      }();
  return made ? std::string() : error;
}

source_store::~source_store() {
  for (sqlite3_stmt* s : {touch_, insert_, activity_, unwatched_, source_, its_activity_}) {
    sqlite3_finalize(s);
  }
  sqlite3_close(db_);
}

void source_store::note_error(const char* what) {
  ++counts_.write_errors;
  if (first_error_.empty()) {
    first_error_ = std::string(what) + ": " + sqlite3_errmsg(db_);
    std::fprintf(stderr, "scanscope: source store %s: %s (counted from now on, not logged)\n",
                 settings_.path.empty() ? "(temporary)" : settings_.path.c_str(),
                 first_error_.c_str());
  }
}

bool source_store::step_done(sqlite3_stmt* s) {
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc == SQLITE_DONE;
}

void source_store::add_bucket(uint64_t start_s, uint64_t end_s,
                              std::vector<source_sighting> sources) {
  for (source_sighting& s : sources) {
    s.first_seen = start_s;
    s.first_end = s.last_seen = end_s;
    s.buckets = 1;
  }
  add(sources);
  count_bucket();
}

void source_store::count_bucket() {
  std::lock_guard<std::mutex> hold(lock_);
  ++counts_.buckets;
}

void source_store::add(const std::vector<source_sighting>& sources) {
  uint64_t latest = 0;
  for (size_t i = 0; i < sources.size(); i += chunk_sources) {
    add_chunk(sources.data() + i, std::min(chunk_sources, sources.size() - i));
  }
  for (const source_sighting& s : sources) {
    latest = std::max(latest, s.last_seen);
  }
  std::lock_guard<std::mutex> hold(lock_);
  if (latest > settings_.retention_s && latest - settings_.retention_s > expired_through_) {
    expire(latest - settings_.retention_s);
  }
}

void source_store::add_chunk(const source_sighting* first, size_t n) {
  std::lock_guard<std::mutex> hold(lock_);
  // IMMEDIATE: the write lock now, or a busy error now, not halfway through the chunk.
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    note_error("BEGIN");
    return;
  }
  // A chunk is all or nothing: a statement that fails (a full disk) rolls it back, and the
  // counts stay as the store is.
  const auto fail = [this](const char* what) {
    note_error(what);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  };
  uint64_t added = 0, dropped = 0;
  for (size_t i = 0; i < n; ++i) {
    const source_sighting& s = first[i];
    // A source no per-country key brought is of an unknown country when it is new.
    const std::string& country = s.country.empty() ? unknown_country : s.country;
    if (s.buckets == 0) {
      // Facts only: for a source the store holds, its activities alone.
      bind_text(source_, 1, s.address);
      const bool held = sqlite3_step(source_) == SQLITE_ROW;
      sqlite3_reset(source_);
      if (!held) {
        continue;
      }
    } else {
      for (sqlite3_stmt* st : {touch_, insert_}) {
        bind_text(st, 1, s.address);
        sqlite3_bind_int64(st, 2, to_sql(s.first_seen));
        sqlite3_bind_int64(st, 3, to_sql(s.last_seen));
        bind_text(st, 4, st == insert_ ? country : s.country);
        sqlite3_bind_int64(st, 5, s.asn);
        bind_text(st, 6, s.actor);
        sqlite3_bind_int64(st, 7, to_sql(s.buckets));
        sqlite3_bind_int64(st, 9, to_sql(s.packets));
      }
      sqlite3_bind_int64(touch_, 8, to_sql(s.first_end));
      if (!step_done(touch_)) {
        return fail("update a source");
      }
      if (sqlite3_changes(db_) == 0) {
        if (counts_.sources + added >= settings_.max_sources) {
          ++dropped;
          continue;
        }
        if (!step_done(insert_)) {
          return fail("insert a source");
        }
        ++added;
      }
    }
    for (const source_activity& a : s.activity) {
      sqlite3_stmt* st = a.kind == "unwatched" ? unwatched_ : activity_;
      bind_text(st, 1, s.address);
      bind_text(st, 2, a.kind);
      sqlite3_bind_int(st, 3, a.port);
      bind_text(st, 4, a.protocol);
      bind_text(st, 5, a.value);
      bind_text(st, 6, a.category);
      sqlite3_bind_int64(st, 7, to_sql(a.first_seen != 0 ? a.first_seen : s.first_seen));
      sqlite3_bind_int64(st, 8, to_sql(a.last_seen != 0 ? a.last_seen : s.last_seen));
      if (!step_done(st)) {
        return fail("store an activity");
      }
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("COMMIT");
  }
  counts_.sources += added;
  counts_.dropped += dropped;
}

void source_store::expire(uint64_t cutoff_s) {
  sqlite3_stmt* gone = nullptr;
  sqlite3_prepare_v2(db_, "DELETE FROM sources WHERE last_seen<=?1", -1, &gone, nullptr);
  sqlite3_stmt* old = nullptr;
  sqlite3_prepare_v2(db_, "DELETE FROM activity WHERE last_seen<=?1", -1, &old, nullptr);
  if (gone == nullptr || old == nullptr) {
    note_error("expire");
  } else {
    sqlite3_bind_int64(old, 1, to_sql(cutoff_s));
    sqlite3_bind_int64(gone, 1, to_sql(cutoff_s));
    if (step_done(old) && step_done(gone)) {
      const auto n = static_cast<uint64_t>(sqlite3_changes(db_));
      counts_.expired += n;
      counts_.sources -= std::min(counts_.sources, n);
      expired_through_ = cutoff_s;
    } else {
      note_error("expire");
    }
  }
  sqlite3_finalize(gone);
  sqlite3_finalize(old);
}

void source_store::read_activity(stored_source& s) const {
  bind_text(its_activity_, 1, s.address);
  while (sqlite3_step(its_activity_) == SQLITE_ROW) {
    stored_activity a;
    a.what.kind = column_text(its_activity_, 0);
    a.what.port = static_cast<uint16_t>(sqlite3_column_int(its_activity_, 1));
    a.what.protocol = column_text(its_activity_, 2);
    a.what.value = column_text(its_activity_, 3);
    a.what.category = column_text(its_activity_, 4);
    a.first_seen = static_cast<uint64_t>(sqlite3_column_int64(its_activity_, 5));
    a.last_seen = static_cast<uint64_t>(sqlite3_column_int64(its_activity_, 6));
    s.activity.push_back(std::move(a));
  }
  sqlite3_reset(its_activity_);
}

namespace {
stored_source source_row(sqlite3_stmt* s) {
  stored_source out;
  out.address = column_text(s, 0);
  out.first_seen = static_cast<uint64_t>(sqlite3_column_int64(s, 1));
  out.last_seen = static_cast<uint64_t>(sqlite3_column_int64(s, 2));
  out.buckets = static_cast<uint64_t>(sqlite3_column_int64(s, 3));
  out.country = column_text(s, 4);
  out.asn = static_cast<uint32_t>(sqlite3_column_int64(s, 5));
  out.actor = column_text(s, 6);
  out.packets = static_cast<uint64_t>(sqlite3_column_int64(s, 7));
  return out;
}
}  // namespace

std::optional<stored_source> source_store::lookup(const std::string& address) const {
  std::lock_guard<std::mutex> hold(lock_);
  bind_text(source_, 1, address);
  std::optional<stored_source> found;
  if (sqlite3_step(source_) == SQLITE_ROW) {
    found = source_row(source_);
  }
  sqlite3_reset(source_);
  if (found) {
    read_activity(*found);
  }
  return found;
}

void source_store::for_each(uint64_t since_s,
                            const std::function<bool(const stored_source&)>& visit) const {
  std::lock_guard<std::mutex> hold(lock_);
  sqlite3_stmt* all = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT address, first_seen, last_seen, buckets, country, asn, actor, "
                         "packets FROM sources WHERE last_seen>?1 ORDER BY address",
                         -1, &all, nullptr) != SQLITE_OK) {
    return;
  }
  sqlite3_bind_int64(all, 1, to_sql(since_s));
  while (sqlite3_step(all) == SQLITE_ROW) {
    stored_source s = source_row(all);
    read_activity(s);
    if (!visit(s)) {
      break;
    }
  }
  sqlite3_finalize(all);
}

source_store_counts source_store::counts() const {
  std::lock_guard<std::mutex> hold(lock_);
  return counts_;
}

std::string source_store::first_error() const {
  std::lock_guard<std::mutex> hold(lock_);
  return first_error_;
}

}  // namespace scanscope
