#include "runtime/options.hpp"

#include <boost/program_options.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include "export/counter_catalogue.hpp"
#include "runtime/config_file.hpp"
#include "runtime/option_checks.hpp"
#include "scanscope_build_config.hpp"

namespace po = boost::program_options;

namespace scanscope {

namespace {

constexpr const char* usage_head =
    "Usage:\n"
    "  scanscope [OPTIONS]                        analyse with scanscope's own EAL set-up\n"
    "  scanscope [EAL ARGS] -- [OPTIONS]          live: EAL arguments pass through to DPDK\n"
    "\n"
    "Examples:\n"
    "  scanscope --pcap capture.pcap --json-out report.json\n"
    "  scanscope -l 0-2 -a 0000:3b:00.0 -- --queues 2\n"
    "  scanscope -l 0-1 --no-huge --no-pci --vdev net_pcap0,iface=eth1 -- --duration 60\n"
    "\n"
    "Options (every option except --help, --version, --counter-families and --config can be\n"
    "set in the config file as `name = value`; the command line wins):\n";

/** The input: captures or ports. */
po::options_description input_options(app_options& o, std::vector<unsigned>& ports) {
  po::options_description input("Input");
  input.add_options()(
      "pcap", po::value(&o.pcaps)->multitoken()->value_name("FILE"),
      "analyse captures offline (pcap or pcapng; Ethernet, Linux cooked, raw IP), one after "
      "the other, and exit at the end; needs no NIC and no hugepages")(
      "port", po::value(&ports)->multitoken()->value_name("ID"),
      "live: DPDK port id to poll (repeat for several; default every port EAL found)")(
      "queues", po::value(&o.queues)->default_value(o.queues)->value_name("N"),
      "live: RX queues per port, each polled by its own RX lcore; RSS spreads sources over them")(
      "list-ports", po::bool_switch(&o.list_ports),
      "print the ports EAL found (driver, NUMA socket, queues, RSS hash functions, link) and "
      "exit, e.g. scanscope -l 0 -a 0000:3b:00.0 -- --list-ports")(
      "workers", po::value(&o.workers)->default_value(o.workers)->value_name("N"),
      "offline: RX lcores the capture is spread over by source address")(
      "duration", po::value(&o.duration)->default_value(o.duration)->value_name("SECONDS"),
      "live: stop after this many seconds (0: run until SIGINT/SIGTERM)");
  return input;
}

/** Memory and queues. */
po::options_description resource_options(app_options& o) {
  po::options_description resources("Resources");
  resources.add_options()("mbufs", po::value(&o.mbufs)->default_value(o.mbufs)->value_name("N"),
                          "mbufs in the packet pool (0: enough for every RX ring, ring and cache)")(
      "mbuf-cache", po::value(&o.mbuf_cache)->default_value(o.mbuf_cache)->value_name("N"),
      "per-lcore mempool cache size (at most 512)")(
      "mbuf-size", po::value(&o.mbuf_size)->default_value(o.mbuf_size)->value_name("BYTES"),
      "mbuf data room including 128 bytes of headroom; longer capture records are clipped "
      "(counted) and jumbo frames need a larger value")(
      "rx-descriptors",
      po::value(&o.rx_descriptors)->default_value(o.rx_descriptors)->value_name("N"),
      "live: RX descriptors per queue")(
      "ring-size", po::value(&o.ring_size)->default_value(o.ring_size)->value_name("N"),
      "offline: slots of the ring feeding each RX lcore (power of two)")(
      "burst", po::value(&o.burst)->default_value(o.burst)->value_name("N"),
      "frames per rx_burst or ring dequeue (1 to 64: the most a worker takes at once)")(
      "memory", po::value(&o.memory_mb)->default_value(o.memory_mb)->value_name("MB"),
      "memory EAL reserves when scanscope sets EAL up itself (no hugepages)");
  return resources;
}

/** What is counted: watched ports, locations, clusters, tables. */
po::options_description analysis_section(app_options& o, std::vector<std::string>& watch) {
  po::options_description analysis("Analysis");
  analysis.add_options()(
      "watch-port", po::value(&watch)->multitoken()->value_name("\"PORT/PROTO NAME\""),
      "a destination port reported by name, e.g. \"8545/tcp ethereum-jsonrpc\" (repeat; "
      "replaces the built-in list: 8545 3333 5555 52869 37215 23 2323 22 80 443 8080 7547 "
      "445 3389 6379/tcp, 53 123 1900 5060/udp)")(
      "top-ports", po::value(&o.top_ports)->default_value(o.top_ports)->value_name("K"),
      "how many of the busiest destination ports, and fingerprints per port, reports list")(
      "geo-db", po::value(&o.geo_db)->value_name("FILE"),
      "location database (libloc format) for source countries and AS numbers; default: the "
      "one Debian's libloc-database installs; 'none': no lookups (every country ZZ)")(
      "geo-cache", po::value(&o.geo_cache)->value_name("DIR"),
      "keep the location database's built lookup tables here: a start with an unchanged "
      "database reads them instead of building them (0.1 s instead of 3)")(
      "clusters", po::value(&o.clusters)->value_name("FILE"),
      "cluster rule file (default: the built-in rules, the same as config/clusters.conf)")(
      "source-capacity",
      po::value(&o.source_capacity)->default_value(o.source_capacity)->value_name("N"),
      "sources each RX lcore remembers; a full table evicts (counted). About 132 bytes each")(
      "source-idle", po::value(&o.source_idle)->default_value(o.source_idle)->value_name("SECONDS"),
      "a source silent this long is forgotten")(
      "unique-slots", po::value(&o.unique_slots)->default_value(o.unique_slots)->value_name("N"),
      "per RX lcore: distinct (source, port, cluster/tool/fingerprint) combinations remembered "
      "for unique-source counts, 8 bytes each, and N/4 (source, port) entries of the values "
      "counted, 16 bytes each; past 7/8 full the counts become lower bounds (counted as "
      "unique_overflow)")(
      "fingerprint-slots",
      po::value(&o.fingerprint_slots)->default_value(o.fingerprint_slots)->value_name("N"),
      "per RX lcore: distinct (port, fingerprint) pairs counted; the rest is counted as "
      "fingerprint_overflow");
  return analysis;
}

/** Time buckets, surges and campaigns. */
po::options_description series_options(app_options& o) {
  po::options_description series("Time series, surges and campaigns");
  series.add_options()(
      "bucket", po::value(&o.bucket)->default_value(o.bucket)->value_name("SECONDS"),
      "width of a time bucket, whole seconds (10 to 86400); offline, buckets follow packet "
      "time; live, the clock")(
      "bucket-grace",
      po::value(&o.bucket_grace)->default_value(o.bucket_grace)->value_name("SECONDS"),
      "a bucket closes this long after its end; packets later still are counted as late")(
      "retention", po::value(&o.retention)->default_value(o.retention)->value_name("BUCKETS"),
      "closed buckets kept for the report (default 31 days of hours)")(
      "bucket-entries",
      po::value(&o.bucket_entries)->default_value(o.bucket_entries)->value_name("N"),
      "per RX lcore: (port, cluster/signature, country) keys a bucket can hold; more are "
      "counted as bucket overflow")(
      "bucket-unique-slots",
      po::value(&o.bucket_unique_slots)->default_value(o.bucket_unique_slots)->value_name("N"),
      "per RX lcore: (source, combination) pairs a bucket remembers for its distinct-source "
      "counts, 8 bytes each, and N/4 (source, port) entries, 16 bytes each")(
      "surge-ratio", po::value(&o.surge.ratio)->default_value(o.surge.ratio)->value_name("X"),
      "a bucket surges at X times the median of the previous buckets...")(
      "surge-iqr", po::value(&o.surge.iqr_k)->default_value(o.surge.iqr_k)->value_name("K"),
      "...and at the median plus K interquartile ranges...")(
      "surge-min-count",
      po::value(&o.surge.min_count)->default_value(o.surge.min_count)->value_name("N"),
      "...and with at least N packets")(
      "surge-window",
      po::value(&o.surge.window)->default_value(o.surge.window)->value_name("BUCKETS"),
      "previous buckets the baseline is taken from")(
      "surge-min-history",
      po::value(&o.surge.min_history)->default_value(o.surge.min_history)->value_name("BUCKETS"),
      "buckets of history needed before anything can surge")(
      "campaign-ratio",
      po::value(&o.campaign.ratio)->default_value(o.campaign.ratio)->value_name("X"),
      "a campaign opens at X times the median of the buckets before it (docs/report.md)")(
      "campaign-min-count",
      po::value(&o.campaign.min_count)->default_value(o.campaign.min_count)->value_name("N"),
      "...and with at least N packets in the bucket")(
      "campaign-window",
      po::value(&o.campaign.window)->default_value(o.campaign.window)->value_name("BUCKETS"),
      "buckets a campaign's baseline is taken from (default 7 days of hours)")(
      "campaign-min-history",
      po::value(&o.campaign.min_history)
          ->default_value(o.campaign.min_history)
          ->value_name("BUCKETS"),
      "buckets of history needed before a campaign can open")(
      "campaign-end",
      po::value(&o.campaign.end_buckets)
          ->default_value(o.campaign.end_buckets)
          ->value_name("BUCKETS"),
      "a campaign ends after this many buckets in a row back in its baseline's band")(
      "lead-hold",
      po::value(&o.campaign.lead_hold)->default_value(o.campaign.lead_hold)->value_name("BUCKETS"),
      "a new leader of a port's sources (country, cluster, tool) must lead this many buckets");
  return series;
}

/** Payload signatures. */
po::options_description payload_options(app_options& o) {
  po::options_description payload("Payload signatures");
  payload.add_options()(
      "signatures", po::value(&o.signatures)->value_name("FILE"),
      "payload rule file (format in config/signatures.rules); without it, or with 'none', "
      "payloads are not scanned")(
      "signature-cache", po::value(&o.signature_cache)->value_name("DIR"),
      "keep compiled rule databases here: a restart with unchanged rules loads instead of "
      "compiling")(
      "flow-capacity", po::value(&o.flow_capacity)->default_value(o.flow_capacity)->value_name("N"),
      "TCP flows each RX lcore follows for matches split over segments; a full table evicts "
      "(counted). Each holds a Hyperscan stream state")(
      "flow-idle", po::value(&o.flow_idle)->default_value(o.flow_idle)->value_name("SECONDS"),
      "a TCP flow silent this long is forgotten")(
      "scan-bytes", po::value(&o.scan_bytes)->default_value(o.scan_bytes)->value_name("BYTES"),
      "payload bytes scanned per UDP datagram and per TCP flow (the rest is counted as "
      "truncated)");
  return payload;
}

/** Reports, files and endpoints. */
po::options_description output_options(app_options& o) {
  po::options_description output("Output");
  output.add_options()("json-out", po::value(&o.json_out)->value_name("FILE"),
                       "write the final report as JSON (also after SIGINT/SIGTERM)")(
      "series-dir", po::value(&o.series_dir)->value_name("DIR"),
      "append each closed time bucket to DIR/scanscope-YYYY-MM-DD.jsonl and .csv (UTC days); "
      "a bucket cut short by a stop is marked partial; at start the folder is read back, so "
      "baselines and open campaigns survive a restart")(
      "rerun", po::value(&o.rerun)->default_value(o.rerun)->value_name("fill|append"),
      "a run over captures this series folder or fleet store has counted before (recognised by "
      "the captures' contents): 'fill' writes only the buckets an earlier run did not (after a "
      "crash, say) and replaces its rows in ClickHouse, so every frame is counted once; "
      "'append' counts them again as a new run")(
      "http", po::value(&o.http)->default_value(o.http)->value_name("ADDRESS:PORT"),
      "serve /metrics (Prometheus) and /api/v1/report (JSON) here during live runs, and after an "
      "offline run with --serve; 'none' serves nothing; port 0: a free port, named on standard "
      "error (also with --quiet)")(
      "serve", po::bool_switch(&o.serve),
      "offline: after the run, keep serving the endpoints until SIGINT or SIGTERM")(
      "top-countries", po::value(&o.top_countries)->default_value(o.top_countries)->value_name("K"),
      "countries per port in /metrics; the rest are summed into country=\"other\"")(
      "top-ases", po::value(&o.top_ases)->default_value(o.top_ases)->value_name("N"),
      "source ASes per port in /metrics, the report's port lists and its buckets (most frames "
      "first); the rest are summed into asn=\"other\" (the series files and the API keep "
      "every AS)")(
      "quiet,q", po::bool_switch(&o.quiet),
      "no status or progress lines and no summary table: errors, warnings and the line naming "
      "the report only")(
      "status-interval",
      po::value(&o.status_interval)->default_value(o.status_interval)->value_name("SECONDS"),
      "seconds between status lines")("verbose,v", po::bool_switch(&o.verbose),
                                      "keep DPDK's informational log messages");
  return output;
}

/** Options that may also come from the config file. */
po::options_description analysis_options(app_options& o, std::vector<std::string>& watch,
                                         std::vector<unsigned>& ports) {
  po::options_description all;
  all.add(input_options(o, ports));
  all.add(resource_options(o));
  all.add(analysis_section(o, watch));
  all.add(series_options(o));
  all.add(payload_options(o));
  all.add(output_options(o));
  all.add(conversation_options(o.conversation)).add(source_store_options(o.store));
  all.add(event_log_options(o.events)).add(fleet_options(o.fleet));
  return all;
}

/**
 * The config file's values alone, converted and checked for range as if the command line had
 * set nothing: "FILE:LINE: message" for the first bad one, or "".
 */
std::string check_file_values(const std::string& path, const config_lines& lines) {
  app_options file_only;
  std::vector<std::string> watch;
  std::vector<unsigned> ports;
  // Parsed again against a description of its own: parsed options carry the description's
  // targets, and these must be file_only's.
  const po::options_description description = analysis_options(file_only, watch, ports);
  po::variables_map vm;
  // A value that does not convert throws, caught by the caller.
  po::store(po::parse_config_file<char>(path.c_str(), description), vm);
  po::notify(vm);
  const auto at = [&](const std::string& option, const std::string& value = {}) {
    const size_t line = lines.line_of(option, value);
    return path + (line != 0 ? ":" + std::to_string(line) : std::string()) + ": ";
  };
  if (const option_error e = check_option_values(file_only); !e.message.empty()) {
    // Only what the file sets: a relation with a default the command line changes is not the
    // file's fault.
    if (lines.line_of(e.option) != 0) {
      return at(e.option) + e.message;
    }
  }
  for (const std::string& w : watch) {
    std::string error;
    if (!parse_watched_port(w, error)) {
      return at("watch-port", w) + "option 'watch-port': " + error;
    }
  }
  return {};
}

/** The config file to read: --config's (which must exist), else the first default present
 *  (none is fine). @return the error, or "" */
std::string find_config_file(const po::variables_map& vm, const std::string& default_config,
                             std::string& config_path) {
  if (vm.count("config")) {
    config_path = vm["config"].as<std::string>();
    std::error_code ec;
    if (!std::filesystem::exists(config_path, ec)) {
      return "config file '" + config_path + "' does not exist";
    }
    if (!std::ifstream(config_path)) {
      return "cannot read config file '" + config_path + "': " + std::strerror(errno);
    }
    return {};
  }
  for (const std::string& candidate :
       {default_config, std::string(SCANSCOPE_SYSCONFDIR "/scanscope.conf")}) {
    if (!candidate.empty() && std::ifstream(candidate)) {
      config_path = candidate;
      break;
    }
  }
  return {};
}

/** Add the config file's values to `vm` (the command line's stay: they were stored first).
 *  @return "FILE:LINE: message" for the first problem, or "" */
std::string store_config_file(const std::string& config_path, const config_lines& lines,
                              const po::options_description& from_config,
                              po::variables_map& vm) {
  if (!lines.error.empty()) {
    return config_path + ":" + std::to_string(lines.error_line) + ": " + lines.error;
  }
  const std::string placeholder = placeholder_line(config_path);
  if (!placeholder.empty()) {
    return config_path + ":" + placeholder +
           ": text of the form %name% is not accepted in the config file";
  }
  try {
    const po::parsed_options parsed =
        po::parse_config_file<char>(config_path.c_str(), from_config);
    // Every value of the file is converted and range-checked on its own, also those the
    // command line overrides: a bad value in the file must not hide behind a good one.
    if (std::string e = check_file_values(config_path, lines); !e.empty()) {
      return e;
    }
    po::store(parsed, vm);
  } catch (const po::error_with_option_name& e) {
    const size_t line = lines.line_of(e.get_option_name());
    return config_path + (line != 0 ? ":" + std::to_string(line) : std::string()) + ": " +
           e.what();
  } catch (const po::error& e) {
    return config_path + ": " + e.what();
  }
  return {};
}

}  // namespace

namespace {

/** EAL's arguments, those before a `--`, into o.eal_args. @return the first of scanscope's */
int split_eal_args(int argc, char** argv, app_options& o) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      for (int j = 1; j < i; ++j) {
        o.eal_args.emplace_back(argv[j]);
      }
      return i + 1;
    }
  }
  return 1;
}

/** Options of the command line alone. */
po::options_description general_options(std::string& config_path) {
  po::options_description general("General");
  general.add_options()("help,h", "show this help and exit")("version",
                                                             "show the version and exit")(
      "counter-families",
      "print every metric family /metrics exports (name, kind, labels, where the JSON report "
      "holds the same counts, help) as JSON and exit")(
      "config,c", po::value(&config_path)->value_name("FILE"),
      ("config file (default config/scanscope.conf if present, else " SCANSCOPE_SYSCONFDIR
       "/scanscope.conf if present)"));
  return general;
}

/** scanscope's arguments into `vm`; the error, or "". */
std::string store_command_line(int argc, char** argv, int first, const po::options_description& cli,
                               po::variables_map& vm) {
  for (int i = first; i < argc; ++i) {
    const std::string token = placeholder_in(argv[i]);
    if (!token.empty()) {
      return std::string("argument '") + argv[i] + "': text of the form '" + token +
             "' is not accepted in options";
    }
  }
  try {
    std::vector<std::string> args(argv + first, argv + argc);
    po::store(po::command_line_parser(args).options(cli).run(), vm);
  } catch (const po::unknown_option& e) {
    return "command line: " + std::string(e.what()) + eal_hint(e.get_option_name(), first > 1) +
           " (see --help)";
  } catch (const po::error& e) {
    return "command line: " + std::string(e.what()) + " (see --help)";
  }
  return "";
}

/** The path options the command line left to the config file: relative to the file's folder
 *  once it has filled them in (on the command line, to the working directory). */
std::vector<std::string*> paths_from_file(const po::variables_map& vm, app_options& o) {
  const std::pair<const char*, std::string*> path_options[] = {
      {"clusters", &o.clusters},     {"signatures", &o.signatures},
      {"json-out", &o.json_out},     {"signature-cache", &o.signature_cache},
      {"geo-db", &o.geo_db},         {"series-dir", &o.series_dir},
      {"geo-cache", &o.geo_cache},   {"actors", &o.conversation.actors},
      {"clickhouse-spool", &o.fleet.spool}, {"source-store", &o.store.path},
      {"sources-out", &o.store.sources_out}, {"events", &o.events.path}};
  std::vector<std::string*> from_file;
  for (const auto& [name, value] : path_options) {
    if (vm.count(name) == 0) {
      from_file.push_back(value);
    }
  }
  return from_file;
}

/** Where an option's value came from, for messages: "FILE:LINE: ", "command line: " or "". */
struct option_origin {
  const std::string& config_path;
  const config_lines& lines;
  std::set<std::string> on_command_line;

  option_origin(const std::string& path, const config_lines& l, const po::variables_map& vm)
      : config_path(path), lines(l) {
    for (const auto& [name, value] : vm) {
      if (!value.defaulted()) {
        on_command_line.insert(name);
      }
    }
  }
  std::string operator()(const std::string& name, const std::string& value = {}) const {
    if (on_command_line.count(name)) {
      return "command line: ";
    }
    const size_t line = lines.line_of(name, value);
    return line == 0 ? std::string() : config_path + ":" + std::to_string(line) + ": ";
  }
};

/** The options given as lists and words (ports, watched ports), converted and checked with
 *  every other value; the error, prefixed by where the value came from, or "". */
std::string convert_and_check(app_options& o, const std::vector<unsigned>& ports,
                              const std::vector<std::string>& watch, const option_origin& origin) {
  for (unsigned p : ports) {
    if (p > 65535) {
      return origin("port") + "option 'port': " + std::to_string(p) + " is not a DPDK port id";
    }
    o.ports.push_back(static_cast<uint16_t>(p));
  }
  if (watch.empty()) {
    o.watch = default_watched_ports();
  }
  for (const std::string& w : watch) {
    std::string error;
    auto parsed = parse_watched_port(w, error);
    if (!parsed) {
      return origin("watch-port", w) + "option 'watch-port': " + error;
    }
    o.watch.push_back(*parsed);
  }
  if (const option_error e = check_option_values(o); !e.message.empty()) {
    return origin(e.option) + e.message;
  }
  for (const auto& [name, message] :
       {check_conversation(o.conversation, !o.pcaps.empty()), check_fleet(o.fleet),
        check_store(o.store, !o.pcaps.empty()), check_events(o.events)}) {
    if (!message.empty()) {
      return origin(name) + message;
    }
  }
  return "";
}

}  // namespace

parse_outcome parse_options(int argc, char** argv, const std::string& default_config) {
  app_options o;
  const int first_app_arg = split_eal_args(argc, argv, o);
  const auto fail = [](std::string m) { return parse_outcome{std::nullopt, 2, std::move(m), {}}; };
  std::vector<std::string> watch;
  std::vector<unsigned> ports;
  std::string config_path;
  po::options_description from_config = analysis_options(o, watch, ports);
  po::options_description cli;
  cli.add(general_options(config_path)).add(from_config);
  po::variables_map vm;
  if (std::string e = store_command_line(argc, argv, first_app_arg, cli, vm); !e.empty()) {
    return fail(e);
  }
  if (vm.count("help")) {
    std::cout << usage_head << cli << "\n";
    return {std::nullopt, 0, {}, {}};
  }
  if (vm.count("version")) {
    std::cout << "scanscope " SCANSCOPE_VERSION "\n";
    return {std::nullopt, 0, {}, {}};
  }
  if (vm.count("counter-families")) {
    std::cout << counter_catalogue_json();
    return {std::nullopt, 0, {}, {}};
  }
  if (std::string e = find_config_file(vm, default_config, config_path); !e.empty()) {
    return fail(e);
  }
  const std::vector<std::string*> from_file = paths_from_file(vm, o);
  const config_lines lines = config_path.empty() ? config_lines{} : read_config_lines(config_path);
  const option_origin origin(config_path, lines, vm);
  if (!config_path.empty()) {
    if (std::string e = store_config_file(config_path, lines, from_config, vm); !e.empty()) {
      return fail(e);
    }
  }
  try {
    po::notify(vm);
  } catch (const po::error& e) {
    return fail(e.what());
  }
  o.config_path = config_path;
  const std::filesystem::path config_dir = std::filesystem::path(config_path).parent_path();
  for (std::string* value : from_file) {
    if (!value->empty() && *value != "none" && std::filesystem::path(*value).is_relative()) {
      *value = (config_dir / *value).string();
    }
  }
  if (std::string e = convert_and_check(o, ports, watch, origin); !e.empty()) {
    return fail(e);
  }
  parse_outcome outcome{o, 0, {}, {}};
  for (const auto& [name, value] : vm) {
    outcome.origins[name] = origin(name);
  }
  return outcome;
}

std::string parse_outcome::origin_of(const std::string& option) const {
  const auto at = origins.find(option);
  return at == origins.end() ? std::string() : at->second;
}

}  // namespace scanscope
