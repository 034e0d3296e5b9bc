#include "runtime/store_options.hpp"

#include <boost/program_options.hpp>

namespace po = boost::program_options;

namespace scanscope {

po::options_description source_store_options(store_options& s) {
  po::options_description d("Source store");
  d.add_options()(
      "source-store", po::value(&s.path)->value_name("FILE"),
      "keep every source seen within --retention here (SQLite): its ports, clusters, tools, "
      "signatures, country, AS, actor and verdict, for /api/v1/sources (docs/sources.md); kept "
      "across restarts. Unset or 'none': no store")(
      "source-store-max", po::value(&s.max_sources)->default_value(s.max_sources)->value_name("N"),
      "most sources the store keeps; new sources past it are dropped and counted")(
      "bucket-sources", po::value(&s.arrivals)->default_value(s.arrivals)->value_name("N"),
      "(port, source) arrivals listed per bucket and RX lcore for the source store and the "
      "fleet store's exact distinct counts; more are counted as dropped")(
      // The option's first name: config files written for it still start.
      "clickhouse-sources",
      po::value<unsigned>()->value_name("N")->notifier([&s](unsigned n) { s.arrivals = n; }),
      "the former name of --bucket-sources")(
      "sources-out", po::value(&s.sources_out)->value_name("FILE"),
      "offline: after the run write the store's sources that --sources-query selects here "
      "('-': standard output)")(
      "sources-query", po::value(&s.sources_query)->value_name("QUERY"),
      "which sources --sources-out writes, and how: the query of GET /api/v1/sources, e.g. "
      "'class=malicious&since=2018-01-08T00:00:00Z&format=txt' (default: every source, JSON)");
  return d;
}

std::pair<std::string, std::string> check_store(const store_options& s, bool offline) {
  if (s.max_sources == 0) {
    return {"source-store-max", "option 'source-store-max': must be at least 1"};
  }
  if (s.arrivals == 0 || s.arrivals > (1u << 24)) {
    return {"bucket-sources", "option 'bucket-sources': must be 1 to 16777216"};
  }
  if (!s.sources_out.empty() && !offline) {
    return {"sources-out", "option 'sources-out': offline runs only (--pcap); live, ask "
                           "GET /api/v1/sources"};
  }
  if (!s.sources_out.empty() && !s.enabled()) {
    return {"sources-out", "option 'sources-out': needs a source store (--source-store FILE)"};
  }
  return {};
}

}  // namespace scanscope
