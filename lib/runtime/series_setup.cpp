#include "runtime/series_setup.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>

#include "export/campaign_text.hpp"
#include "export/series_readback.hpp"
#include "export/summary_table.hpp"
#include "pipeline/offline_feeder.hpp"
#include "geo/unknown_country.hpp"

namespace scanscope {

namespace {

/** One log line per surge that opens or ends. */
std::string describe_surge(const surge_event& e, const run_report& names,
                           const watched_ports& ports) {
  std::string what = port_label(ports, e.port);
  if (what == "other") {
    what = "other ports";
  }
  if (e.scope == surge_scope::port_country) {
    what += " from " + scope_value(names, campaign_scope::port_country, e.port, e.dim);
  } else if (e.scope == surge_scope::port_cluster) {
    what += " cluster " + scope_value(names, campaign_scope::port_cluster, e.port, e.dim);
  }
  char line[256];
  if (e.end < 0) {
    std::snprintf(line, sizeof line, "surge on %s from %s: %llu packets, %s", what.c_str(),
                  format_utc(static_cast<uint64_t>(e.start) * names.bucket_ns).c_str(),
                  static_cast<unsigned long long>(e.packets),
                  ratio_text(e.ratio, e.baseline).c_str());
  } else {
    std::snprintf(line, sizeof line, "surge on %s ended at %s (peak %.1f times)", what.c_str(),
                  format_utc(static_cast<uint64_t>(e.end) * names.bucket_ns).c_str(), e.peak_ratio);
  }
  return line;
}

/** (port << 16 | fingerprint_short) of every fingerprint the campaigns name. */
std::set<uint32_t> fingerprints_named(const series_store& series) {
  std::set<uint32_t> wanted;
  for (const campaign& c : series.campaigns().campaigns()) {
    if (c.scope == campaign_scope::port_fingerprint) {
      wanted.insert((uint32_t{c.port} << 16) | c.dim);
    }
    for (const auto& [dim, packets] : c.drivers.of(series_key::kind::fingerprint)) {
      wanted.insert((uint32_t{c.port} << 16) | dim);
    }
  }
  return wanted;
}

}  // namespace

void fill_names(run_report& report, const rx_lcores& rx, const rules_and_databases& tables,
                const app_options& o, const series_store& series) {
  report.bucket_ns = static_cast<uint64_t>(o.bucket * 1e9);
  report.top_ases = o.top_ases;
  report.cluster_names.clear();
  for (size_t i = 0; i < tables.clusters->size(); ++i) {
    report.cluster_names.push_back(tables.clusters->name(i));
  }
  report.rules.clear();
  if (tables.signatures) {
    for (const signature_rule& r : tables.signatures->rules()) {
      report.rules.push_back({r.id, r.name, r.category, r.retired});
    }
  }
  report.actors.clear();
  if (tables.actors) {
    report.actors = tables.actors->actors();
  }
  report.country_codes.clear();
  if (tables.geo) {
    for (size_t c = 0; c < tables.geo->country_count(); ++c) {
      report.country_codes.emplace_back(tables.geo->country_code(static_cast<uint8_t>(c)));
    }
  } else {
    report.country_codes.emplace_back(unknown_country_code);
  }
  const std::set<uint32_t> wanted = fingerprints_named(series);
  report.fingerprint_words.clear();
  if (wanted.empty()) {
    return;
  }
  for (const auto& w : rx.workers) {
    w->fingerprints().for_each([&](const fingerprint_slot& slot) {
      const uint32_t id =
          (uint32_t{slot.port_index} << 16) | series_key::fingerprint_short(slot.key.hash());
      if (wanted.count(id) && !report.fingerprint_words.count(id)) {
        report.fingerprint_words.emplace(id, to_string(slot.key));
      }
    });
  }
}

namespace {

/**
 * The folder's bucket width, written to DIR/bucket-width (one line: seconds) when a run first
 * uses the folder: a folder read with another --bucket is refused even where the old bucket
 * starts happen to fall on the new width (hours read as ten-minute buckets, say). A folder
 * from before the file existed is checked by its bucket starts alone, then gets the file.
 * @param record write the file when it is missing (else only compare with it)
 */
std::string check_folder_width(const std::string& dir, uint64_t width_s, bool record = true) {
  const std::string path = dir + "/bucket-width";
  std::ifstream in(path);
  if (in) {
    uint64_t recorded = 0;
    if (!(in >> recorded) || recorded == 0) {
      return "series-dir: " + path + " does not hold a bucket width in seconds";
    }
    if (recorded != width_s) {
      return "series-dir: " + path + ": the folder was written with --bucket " +
             std::to_string(recorded) + ", this run's is " + std::to_string(width_s) +
             "; use another --series-dir";
    }
    return {};
  }
  if (!record) {
    return {};
  }
  std::ofstream out(path);
  out << width_s << "\n";
  out.close();
  if (!out) {
    return "series-dir: cannot write " + path + ": " + std::strerror(errno);
  }
  return {};
}

/** The input's start, after which no bucket of the folder can have been counted yet: offline,
 *  the earliest first record of the captures; live, the clock. */
uint64_t input_start_ns(const app_options& o) {
  if (o.pcaps.empty()) {
    return wall_clock_ns();
  }
  uint64_t earliest = UINT64_MAX;
  for (const std::string& path : o.pcaps) {
    if (const std::optional<uint64_t> t = offline_feeder::first_record_ns(path)) {
      earliest = std::min(earliest, *t);
    }
  }
  return earliest;
}

/**
 * Buckets the record says have lines that the files did not give back (a day file removed or
 * lost): said on standard error, for the detectors to pass over.
 */
std::set<int64_t> lost_buckets(const series_ledger* ledger, const series_readback& back,
                               const std::set<int64_t>* recounted, uint64_t input_start,
                               uint64_t width) {
  std::set<int64_t> lost;
  if (ledger == nullptr || back.buckets.empty()) {
    return lost;
  }
  for (int64_t b : ledger->buckets_with_lines(back.buckets.begin()->first)) {
    // Before the input's own first bucket: that one this run counts.
    if (static_cast<uint64_t>(b) < input_start / width && back.buckets.count(b) == 0 &&
        (recounted == nullptr || recounted->count(b) == 0)) {
      lost.insert(b);
    }
  }
  if (!lost.empty()) {
    const std::string first = format_utc(static_cast<uint64_t>(*lost.begin()) * width);
    std::fprintf(stderr,
                 "scanscope: warning: series-dir: %zu buckets the folder's written-buckets "
                 "record lists have no lines in the files (a day file removed?), the first "
                 "%s (scanscope-%s.jsonl); campaigns and surges pass over them instead of "
                 "taking them for silence\n",
                 lost.size(), first.c_str(), first.substr(0, 10).c_str());
  }
  return lost;
}

/** Buckets these captures wrote whose lines are gone from the files (a day file removed): the
 *  rerun writes them again. */
void forget_missing(series_ledger& ledger, const series_readback& back, uint64_t width) {
  std::set<int64_t> missing;
  for (int64_t b : ledger.written_with_lines()) {
    if (back.recounted_buckets.count(b) == 0) {
      missing.insert(b);
    }
  }
  if (missing.empty()) {
    return;
  }
  if (std::string e = ledger.forget(missing); !e.empty()) {
    std::fprintf(stderr, "scanscope: warning: series-dir: %s\n", e.c_str());
  }
  std::fprintf(stderr,
               "scanscope: warning: series-dir: %zu buckets these captures wrote before have no "
               "lines in the files (a day file removed?), the first %s: written again\n",
               missing.size(),
               format_utc(static_cast<uint64_t>(*missing.begin()) * width).c_str());
}

}  // namespace

std::unique_ptr<series_ledger> open_series_ledger(const app_options& o,
                                                  std::optional<uint64_t> input,
                                                  std::string& error) {
  if (o.series_dir.empty()) {
    return nullptr;
  }
  char name[32] = "live";
  if (input) {
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(*input));
  }
  // A folder of another width is refused before anything in it changes (it is recorded at the
  // read-back, which checks old folders' lines first).
  if (std::string e = check_folder_width(o.series_dir, static_cast<uint64_t>(o.bucket), false);
      !e.empty()) {
    error = e;
    return nullptr;
  }
  auto ledger = std::make_unique<series_ledger>(o.series_dir, name,
                                                static_cast<uint64_t>(o.bucket * 1e9));
  if (std::string e = ledger->open(); !e.empty()) {
    error = "series-dir: " + e;
    return nullptr;
  }
  // An interrupted run over these captures wrote its last bucket cut short: a rerun that
  // fills takes those lines back and writes the bucket whole.
  if (input && o.rerun == "fill" && !ledger->written_partial().empty()) {
    uint64_t removed = 0;
    const std::set<int64_t> cut = ledger->written_partial();
    if (std::string e = take_back_lines(o.series_dir, name, cut,
                                        static_cast<uint64_t>(o.bucket * 1e9), removed);
        !e.empty()) {
      error = "series-dir: " + e;
      return nullptr;
    }
    if (std::string e = ledger->forget(cut); !e.empty()) {
      error = "series-dir: " + e;
      return nullptr;
    }
    std::fprintf(stderr,
                 "scanscope: series-dir: %zu buckets an interrupted run over these captures "
                 "left cut short were taken back (%llu lines); they are written whole\n",
                 cut.size(), static_cast<unsigned long long>(removed));
  }
  if (!ledger->repaired().empty()) {
    std::fprintf(stderr, "scanscope: warning: series-dir: %s\n", ledger->repaired().c_str());
  }
  return ledger;
}

std::string restore_series(series_store& store, const app_options& o,
                           const rules_and_databases& tables, series_ledger* ledger) {
  if (o.series_dir.empty()) {
    return {};
  }
  const auto width = static_cast<uint64_t>(o.bucket * 1e9);
  // A rerun over the same captures counts their buckets again: what it wrote before is not
  // read back (with --rerun append, it is, and the counts add up as before).
  const bool refill = ledger != nullptr && o.rerun == "fill" && ledger->input() != "live";
  const std::set<int64_t>* recounted = refill ? &ledger->written_buckets() : nullptr;
  const recount_filter own{refill ? ledger->input() : "", recounted};
  const uint64_t input_start = input_start_ns(o);
  series_readback back = read_series_files(o.series_dir, names_of(tables), width, o.retention,
                                           input_start, refill ? &own : nullptr);
  if (!back.error.empty()) {
    return "series-dir: " + back.error;
  }
  if (refill) {
    forget_missing(*ledger, back, width);
  }
  const size_t counted_before = ledger != nullptr ? ledger->written_buckets().size() : 0;
  if (counted_before != 0) {
    std::fprintf(stderr,
                 "scanscope: series-dir: these captures were counted here before (%zu buckets "
                 "written by an earlier run); %s\n",
                 counted_before,
                 o.rerun == "fill" ? "only the buckets it did not write are written (--rerun "
                                     "append counts them again)"
                                   : "--rerun append: they are counted and written again");
  }
  if (back.set_aside != 0) {
    std::fprintf(stderr,
                 "scanscope: warning: series-dir: %llu lines set aside, not read back (buckets "
                 "after the input's start, or counts no sensor reaches); first: %s\n",
                 static_cast<unsigned long long>(back.set_aside), back.first_set_aside.c_str());
  }
  if (std::string error = check_folder_width(o.series_dir, static_cast<uint64_t>(o.bucket));
      !error.empty()) {
    return error;
  }
  if (back.malformed + back.skipped != 0) {
    std::fprintf(stderr,
                 "scanscope: series-dir: %llu lines not read back (%llu malformed, %llu naming "
                 "what this configuration does not have); first: %s\n",
                 static_cast<unsigned long long>(back.malformed + back.skipped),
                 static_cast<unsigned long long>(back.malformed),
                 static_cast<unsigned long long>(back.skipped), back.first_problem.c_str());
  }
  if (back.buckets.empty()) {
    return {};
  }
  const int64_t first = back.buckets.begin()->first;
  const int64_t last = back.buckets.rbegin()->first;
  const size_t buckets = back.buckets.size();
  const std::set<int64_t> lost = lost_buckets(ledger, back, recounted, input_start, width);
  // The last bucket is completed by this run when a stop cut it short, and also when this
  // input starts inside it (a capture cut mid-hour): detected once, with both runs' counts.
  const bool completed_now =
      back.partial_last || static_cast<uint64_t>(last) == input_start / width;
  store.restore(std::move(back.buckets), completed_now, lost);
  size_t open = 0;
  for (const campaign& c : store.campaigns().campaigns()) {
    open += c.end < 0;
  }
  if (!o.quiet) {
    std::fprintf(stderr,
                 "scanscope: read back %zu buckets (%s to %s%s) from %zu series files in %s; "
                 "%zu campaigns open\n",
                 buckets, format_utc(static_cast<uint64_t>(first) * width).c_str(),
                 format_utc(static_cast<uint64_t>(last) * width).c_str(),
                 completed_now ? ", the last cut short" : "", back.files, o.series_dir.c_str(),
                 open);
  }
  return {};
}

series_clock make_series_clock(series_store& store, const app_options& o,
                               const rules_and_databases& tables, const rx_lcores& rx) {
  const auto width = static_cast<uint64_t>(o.bucket * 1e9);
  auto warned = std::make_shared<bool>(false);
  return series_clock(
      store, width, static_cast<uint64_t>(o.bucket_grace * 1e9),
      [&store, &o, &tables, &rx, warned, width](const closed_bucket& closed) {
        if (!closed.detected && !*warned) {
          *warned = true;
          std::fprintf(stderr,
                       "scanscope: the input reaches back to %s, which the series folder %s "
                       "holds already: its counts are added to what was read back (a fresh "
                       "--series-dir starts afresh)\n",
                       format_utc(static_cast<uint64_t>(closed.bucket) * width).c_str(),
                       o.series_dir.c_str());
        }
        // Surges, campaigns and lead changes are news, not warnings: --quiet leaves them to
        // the report, the API and /metrics.
        if (o.quiet || (closed.surges.empty() && closed.campaigns.opened.empty() &&
            closed.campaigns.ended.empty() && closed.campaigns.lead_changes.empty())) {
          return;
        }
        run_report names;
        fill_names(names, rx, tables, o, store);
        const watched_ports& ports = tables.ports;
        const campaign_detector& d = store.campaigns();
        for (const surge_event* e : closed.surges) {
          std::fprintf(stderr, "scanscope: %s\n", describe_surge(*e, names, ports).c_str());
        }
        for (size_t i : closed.campaigns.opened) {
          std::fprintf(stderr, "scanscope: %s\n",
                       describe_campaign(names, ports, d.campaigns()[i], true).c_str());
        }
        for (size_t i : closed.campaigns.ended) {
          std::fprintf(stderr, "scanscope: %s\n",
                       describe_campaign(names, ports, d.campaigns()[i], false).c_str());
        }
        for (size_t i : closed.campaigns.lead_changes) {
          std::fprintf(stderr, "scanscope: %s\n",
                       describe_lead_change(names, ports, d.lead_changes()[i]).c_str());
        }
      });
}

void note_series_files(run_report& report, const series_files* files) {
  if (files != nullptr) {
    report.series_lines = files->lines();
    report.series_write_errors = files->write_errors();
    report.series_write_error = files->first_error();
  }
}

series_names names_of(const rules_and_databases& tables) {
  series_names names;
  names.ports = &tables.ports;
  if (tables.actors) {
    for (const scanning_actor& a : tables.actors->actors()) {
      names.actors.push_back(a.name);
    }
  }
  for (size_t i = 0; i < tables.clusters->size(); ++i) {
    names.clusters.push_back(tables.clusters->name(i));
  }
  if (tables.signatures) {
    for (const signature_rule& r : tables.signatures->rules()) {
      names.signatures.push_back(r.name);
    }
  }
  if (tables.geo) {
    for (size_t c = 0; c < tables.geo->country_count(); ++c) {
      names.countries.emplace_back(tables.geo->country_code(static_cast<uint8_t>(c)));
    }
  } else {
    names.countries.emplace_back(unknown_country_code);
  }
  return names;
}

std::unique_ptr<series_files> attach_series_files(series_clock& clock, const app_options& o,
                                                  const rules_and_databases& tables,
                                                  std::unique_ptr<series_ledger> ledger) {
  if (o.series_dir.empty()) {
    return nullptr;
  }
  auto files = std::make_unique<series_files>(o.series_dir, names_of(tables), clock.width_ns());
  files->use_ledger(std::move(ledger), o.rerun == "fill");
  series_files* raw = files.get();
  clock.on_closed(
      [raw](const closed_bucket& closed, bool partial) {
        const std::string error = raw->append(closed.bucket, closed.points, partial);
        if (!error.empty()) {
          std::fprintf(stderr, "scanscope: %s\n", error.c_str());
        }
      });
  return files;
}

}  // namespace scanscope
