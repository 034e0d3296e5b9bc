#include "runtime/table_loading.hpp"

#include <cstdio>
#include <filesystem>

#include "export/summary_table.hpp"

namespace scanscope {

namespace {

/** The cluster rule file, or the built-in rules when none is named. */
std::string load_clusters(const app_options& o, rules_and_databases& t) {
  std::string error;
  std::optional<cluster_rules> rules =
      o.clusters.empty()
          ? cluster_rules::parse(cluster_rules::default_text(), "built-in cluster rules", error)
          : cluster_rules::load(o.clusters, error);
  if (rules) {
    t.clusters = std::make_unique<cluster_rules>(std::move(*rules));
  }
  return error;
}

/** The signature rules; none named ("none" or empty): no payload scanning. */
std::string load_signatures(const app_options& o, rules_and_databases& t) {
  if (o.signatures.empty() || o.signatures == "none") {
    return {};
  }
  const auto start = clock_type::now();
  std::string error;
  t.signatures = signature_db::load(o.signatures, o.signature_cache, error);
  if (!t.signatures) {
    return error;
  }
  if (!o.quiet) {
    std::fprintf(stderr, "scanscope: %zu payload rules from %s, %s in %.2f s\n",
                 t.signatures->rules().size(), o.signatures.c_str(),
                 t.signatures->origin_note().c_str(), seconds_since(start));
  }
  return {};
}

/** The known scanners; none named ("none" or empty): none known. */
std::string load_actors(const app_options& o, const parse_outcome& parsed, rules_and_databases& t) {
  const std::string& file = o.conversation.actors;
  if (file.empty() || file == "none") {
    return {};
  }
  std::string error;
  std::optional<actor_list> list = actor_list::load(file, error);
  if (!list) {
    return parsed.origin_of("actors") + "option 'actors': " + error;
  }
  t.actors = std::make_unique<actor_list>(std::move(*list));
  if (!o.quiet) {
    std::fprintf(stderr, "scanscope: %zu known scanners from %s (%zu prefixes, %zu AS numbers)\n",
                 t.actors->actors().size(), file.c_str(), t.actors->prefix_count(),
                 t.actors->as_count());
  }
  return {};
}

/** The location database: a named one must load; the default may be missing (said). */
std::string load_geo(const app_options& o, rules_and_databases& t) {
  if (o.geo_db == "none") {
    return {};
  }
  const auto start = clock_type::now();
  if (!o.geo_cache.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(o.geo_cache, ignored);
  }
  std::string error;
  t.geo = location_db::load(o.geo_db, error, nullptr, o.geo_cache);
  t.geo_load_seconds = seconds_since(start);
  if (!t.geo && !o.geo_db.empty()) {
    return error;
  }
  const location_db* geo = t.geo.get();
  if (geo == nullptr) {
    std::fprintf(stderr, "scanscope: %s; every source country is ZZ\n", error.c_str());
  } else if (!o.quiet) {
    std::fprintf(
        stderr,
        "scanscope: location database %s (%s, %s): %zu IPv4 and %zu IPv6 networks in "
        "%.2f s, %s\n",
        geo->path().c_str(), geo->vendor().c_str(),
        format_utc(static_cast<uint64_t>(geo->created_at()) * 1000000000ULL).substr(0, 10).c_str(),
        geo->networks_v4(), geo->networks_v6(), t.geo_load_seconds, geo->origin_note().c_str());
  }
  return {};
}

}  // namespace

std::optional<rules_and_databases> load_tables(const app_options& o, const parse_outcome& parsed,
                                               std::string& error) {
  std::optional<watched_ports> ports = watched_ports::build(o.watch, error);
  if (!ports) {
    error = "option 'watch-port': " + error;
    return std::nullopt;
  }
  rules_and_databases t{std::move(*ports), nullptr, nullptr, nullptr, 0, nullptr};
  // In this order: what each says on standard error reads as before.
  if ((error = load_clusters(o, t)).empty() && (error = load_signatures(o, t)).empty() &&
      (error = load_actors(o, parsed, t)).empty() && (error = load_geo(o, t)).empty()) {
    return t;
  }
  return std::nullopt;
}

}  // namespace scanscope
