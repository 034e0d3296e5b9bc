#include "scenario/scenario_generator.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <unordered_set>

namespace scanscope {
namespace {

constexpr uint16_t zmap_ip_id = 54321;

uint64_t name_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : s) {
    h = (h ^ c) * 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::unique_ptr<scenario_generator> scenario_generator::create(const scenario& s,
                                                               const location_db& db,
                                                               std::string& error) {
  std::unique_ptr<scenario_generator> g(new scenario_generator(s));
  error = g->draw_sources(db);
  if (!error.empty()) {
    return nullptr;
  }
  return g;
}

namespace {

/** The /24 blocks sources are drawn from, by "RU" or "AS16509": every campaign's countries'
 *  and ASes', each found in one pass over the location table. */
class source_pools {
 public:
  source_pools(const location_db& db, const std::vector<campaign>& campaigns) : db_(db) {
    std::set<uint8_t> countries;
    std::set<uint32_t> ases;
    for (const campaign& c : campaigns) {
      for (const weighted_name& w : c.countries) {
        const uint8_t index = db.country_index(w.name.c_str());
        if (index != location_db::unknown_country) {
          countries.insert(index);
        }
      }
      for (const weighted_name& w : c.ases) {
        ases.insert(as_of(w));
      }
    }
    by_country_ = db.v4_blocks_of(countries);
    if (!ases.empty()) {
      by_as_ = db.v4_blocks_of_ases(ases);
    }
  }

  static uint32_t as_of(const weighted_name& w) {
    return static_cast<uint32_t>(std::stoul(w.name));
  }
  static std::string name_of(const weighted_name& w, bool by_as) {
    return by_as ? "AS" + w.name : w.name;
  }

  /** The blocks of a campaign's country or AS (empty: the database has none). */
  const std::vector<uint32_t>& of(const weighted_name& w, bool by_as) {
    const std::string name = name_of(w, by_as);
    if (pools_.count(name) == 0 && by_as) {
      pools_[name] = std::move(by_as_[as_of(w)]);
    } else if (pools_.count(name) == 0) {
      const uint8_t index = db_.country_index(w.name.c_str());
      pools_[name] = index == location_db::unknown_country ? std::vector<uint32_t>{}
                                                           : std::move(by_country_[index]);
    }
    return pools_[name];
  }

 private:
  const location_db& db_;
  std::map<uint8_t, std::vector<uint32_t>> by_country_;
  std::map<uint32_t, std::vector<uint32_t>> by_as_;
  std::map<std::string, std::vector<uint32_t>> pools_;
};

}  // namespace

std::string scenario_generator::draw_sources(const location_db& db) {
  source_pools pools(db, scenario_.campaigns);
  std::unordered_set<uint32_t> taken;
  const uint32_t darknet_size = uint32_t{1} << (32 - scenario_.darknet_bits);
  for (size_t i = 0; i < scenario_.campaigns.size(); ++i) {
    const campaign& c = scenario_.campaigns[i];
    campaign_state st{{scenario_.seed ^ name_hash(c.name)}, 0, 0, 0};
    if (!c.sources_from.empty()) {
      for (size_t j = 0; j < i; ++j) {
        if (scenario_.campaigns[j].name == c.sources_from) {
          st.first_source = states_[j].first_source;
          st.source_count = states_[j].source_count;
        }
      }
      states_.push_back(st);
      continue;
    }
    const std::string where_in = scenario_.origin + ":" + std::to_string(c.line) +
                                 ": campaign '" + c.name + "': ";
    const bool by_as = !c.ases.empty();
    const std::vector<weighted_name>& places = by_as ? c.ases : c.countries;
    double total = 0;
    for (const weighted_name& w : places) {
      total += w.weight;
      if (pools.of(w, by_as).empty()) {
        return where_in + "the location database has no IPv4 network of " +
               (by_as ? "AS " : "country ") + w.name;
      }
    }
    if (total <= 0) {
      return where_in + (by_as ? "AS" : "country") + " weights add up to 0";
    }
    st.first_source = static_cast<uint32_t>(sources_.size());
    st.source_count = c.sources;
    for (uint32_t n = 0; n < c.sources; ++n) {
      double pick = st.random.unit() * total;
      const weighted_name* place = &places.back();
      for (const weighted_name& w : places) {
        if (pick < w.weight) {
          place = &w;
          break;
        }
        pick -= w.weight;
      }
      const std::vector<uint32_t>& pool = pools.of(*place, by_as);
      synthetic_source src{};
      for (int attempt = 0;; ++attempt) {
        src.address =
            pool[st.random.below(pool.size())] + 1 + static_cast<uint32_t>(st.random.below(254));
        const bool in_darknet = (src.address - scenario_.darknet) < darknet_size;
        if (!in_darknet && taken.insert(src.address).second) {
          break;
        }
        if (attempt == 1000) {
          return where_in + "not enough distinct addresses in " +
                 source_pools::name_of(*place, by_as);
        }
      }
      const geo_result where = db.lookup_v4(src.address);
      std::memcpy(src.country, by_as ? db.country_code(where.country) : place->name.c_str(), 3);
      src.asn = by_as ? source_pools::as_of(*place) : where.asn;
      src.fixed_port = static_cast<uint16_t>(1024 + st.random.below(64512));
      src.hops = static_cast<uint8_t>(4 + st.random.below(20));
      src.campaign = static_cast<uint16_t>(i);
      sources_.push_back(src);
    }
    states_.push_back(st);
  }
  return {};
}

double scenario_generator::factor_at(const campaign& c, double t) {
  double factor = 1;
  double from_time = static_cast<double>(c.start);
  double from_factor = 1;
  for (const rate_point& p : c.profile) {
    const auto at = static_cast<double>(p.time);
    if (t < at) {
      if (p.ramp && at > from_time) {
        return from_factor + (p.factor - from_factor) * (t - from_time) / (at - from_time);
      }
      return factor;
    }
    factor = p.factor;
    from_time = at;
    from_factor = p.factor;
  }
  return factor;
}

void scenario_generator::generate_hour(int64_t hour_start, std::vector<synthetic_packet>& out) {
  out.clear();
  for (size_t i = 0; i < scenario_.campaigns.size(); ++i) {
    const campaign& c = scenario_.campaigns[i];
    campaign_state& st = states_[i];
    const int64_t from = std::max(hour_start, c.start);
    const int64_t to = std::min(hour_start + hour, c.end);
    if (from >= to) {
      continue;
    }
    const double span = static_cast<double>(to - from);
    const double jitter = 1 + c.jitter * (2 * st.random.unit() - 1);
    const double owed = st.carry + c.rate * jitter *
                                       factor_at(c, static_cast<double>(from) + span / 2) * span /
                                       hour;
    const auto probes = static_cast<uint64_t>(std::floor(owed));
    st.carry = owed - static_cast<double>(probes);
    for (uint64_t n = 0; n < probes; ++n) {
      const uint64_t offset_ns = st.random.below(static_cast<uint64_t>(to - from) * 1000000000ULL);
      add_probe(i, static_cast<uint64_t>(from) * 1000000000ULL + offset_ns, out);
    }
  }
  std::stable_sort(
      out.begin(), out.end(),
      [](const synthetic_packet& a, const synthetic_packet& b) { return a.time_ns < b.time_ns; });
  // Follow-up segments can spill past the hour by a few milliseconds: keep them in this hour.
  const uint64_t last = static_cast<uint64_t>(hour_start + hour) * 1000000000ULL - 1;
  for (synthetic_packet& p : out) {
    p.time_ns = std::min(p.time_ns, last);
  }
}

void scenario_generator::add_probe(size_t index, uint64_t time_ns,
                                   std::vector<synthetic_packet>& out) {
  const campaign& c = scenario_.campaigns[index];
  campaign_state& st = states_[index];
  rng& r = st.random;
  const uint32_t source_index = st.first_source + static_cast<uint32_t>(r.below(st.source_count));
  const synthetic_source& src = sources_[source_index];
  const uint32_t darknet_size = uint32_t{1} << (32 - scenario_.darknet_bits);

  synthetic_packet syn;
  syn.time_ns = time_ns;
  syn.src = src.address;
  syn.dst = scenario_.darknet + 1 + static_cast<uint32_t>(r.below(darknet_size - 2));
  syn.dst_port = c.ports[r.below(c.ports.size())];
  syn.src_port =
      c.sport == port_choice::fixed ? src.fixed_port : static_cast<uint16_t>(1024 + r.below(64512));
  syn.tcp_flags = tcp_flag::syn;
  syn.window = c.window;
  syn.ttl = static_cast<uint8_t>(c.initial_ttl - src.hops);
  syn.options = c.options;
  syn.source = source_index;
  syn.campaign = static_cast<uint16_t>(index);
  const auto masscan_id = [&](const synthetic_packet& p) {
    return static_cast<uint16_t>(p.dst ^ p.dst_port ^ p.seq);
  };
  // An IP ID that no tool rule reads as its own.
  const auto neutral_id = [&](const synthetic_packet& p) {
    uint16_t id = 0;
    do {
      id = static_cast<uint16_t>(1 + r.below(65535));
    } while (id == zmap_ip_id || id == masscan_id(p));
    return id;
  };
  do {
    syn.seq = static_cast<uint32_t>(r.next());
  } while (syn.seq == syn.dst);
  switch (c.tool) {
    case probe_tool::mirai:
      syn.seq = syn.dst;  // scanner.c: tcph->seq = iph->daddr
      syn.window = static_cast<uint16_t>(r.next());
      syn.ip_id = neutral_id(syn);
      syn.tool = scan_tool::mirai;
      break;
    case probe_tool::masscan:
      syn.ip_id = masscan_id(syn);
      syn.tool = scan_tool::masscan;
      break;
    case probe_tool::zmap:
      syn.ip_id = zmap_ip_id;
      syn.tool = scan_tool::zmap;
      break;
    case probe_tool::nmap:
      syn.ip_id = neutral_id(syn);
      syn.tool = scan_tool::nmap;
      break;
    case probe_tool::stack:
      syn.ip_id = neutral_id(syn);
      syn.dont_fragment = true;
      syn.tool = scan_tool::none;
      break;
  }
  out.push_back(syn);

  const payload_template* payload = nullptr;
  double roll = r.unit() * 100;
  for (const weighted_name& w : c.payloads) {
    if (roll < w.weight) {
      payload = find_payload_template(w.name);
      break;
    }
    roll -= w.weight;
  }
  if (payload == nullptr) {
    return;
  }
  // The darknet host answered; the scanner completes the handshake from its own stack and
  // sends the request in the next segment.
  synthetic_packet ack = syn;
  ack.time_ns = time_ns + 1000000 + r.below(40000000);
  ack.seq = syn.seq + 1;
  ack.ack = static_cast<uint32_t>(r.next()) | 1;
  ack.tcp_flags = tcp_flag::ack;
  ack.window = 502;
  ack.options = option_layout::none;
  ack.dont_fragment = true;
  ack.ip_id = neutral_id(ack);
  ack.tool = scan_tool::none;
  out.push_back(ack);
  synthetic_packet data = ack;
  data.time_ns = ack.time_ns + 100000 + r.below(2000000);
  data.tcp_flags = tcp_flag::ack | tcp_flag::psh;
  data.ip_id = neutral_id(data);
  data.payload = payload;
  out.push_back(data);
}

}  // namespace scanscope
