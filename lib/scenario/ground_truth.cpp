#include "scenario/ground_truth.hpp"

#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <ctime>

#include "cluster/cluster_decision.hpp"
#include "common/json_fields.hpp"

namespace scanscope {
namespace {

std::string iso_hour(int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return text;
}

/**
 * A campaign's window, ports and countries. A campaign that runs from the scenario's start to
 * its end is the everyday background: nothing came before it to stand out from. One that runs
 * to the end is still going ("end": null, "ongoing": true).
 */
void write_window(rapidjson::Writer<rapidjson::OStreamWrapper>& w, const scenario& s,
                  const campaign& c) {
  put_string(w, "start", iso_hour(c.start).c_str());
  w.Key("end");
  c.end >= s.end ? w.Null() : w.String(iso_hour(c.end).c_str());
  put_bool(w, "ongoing", c.end >= s.end);
  put_bool(w, "background", c.start <= s.start && c.end >= s.end);
  w.Key("ports");
  w.StartArray();
  for (uint16_t port : c.ports) {
    w.Uint(port);
  }
  w.EndArray();
  // Sources borrowed from an earlier campaign are where that campaign drew them.
  const campaign* from = &c;
  for (const campaign& other : s.campaigns) {
    if (!c.sources_from.empty() && other.name == c.sources_from) {
      from = &other;
    }
  }
  for (const auto& [key, names] : {std::pair{"countries", &from->countries},
                                   std::pair{"ases", &from->ases}}) {
    w.Key(key);
    w.StartArray();
    for (const weighted_name& n : *names) {
      w.String(n.name.c_str());
    }
    w.EndArray();
  }
}

}  // namespace

ground_truth::ground_truth(const scenario_generator& generator, const cluster_rules& clusters)
    : generator_(generator), clusters_(clusters) {
  for (const campaign& c : generator.spec().campaigns) {
    watched_.insert(c.ports.begin(), c.ports.end());
  }
  campaigns_.resize(generator.spec().campaigns.size());
}

source_port_behaviour ground_truth::observe(const synthetic_packet& p,
                                            const decoded_packet& headers) {
  port_memory& m = memory_[p.source];
  if (!is_syn_probe(headers)) {
    return m.behaviour;
  }
  if (!m.seen) {
    m.seen = true;
    m.first_src_port = p.src_port;
    m.first_dst_port = p.dst_port;
    m.first_seq = p.seq;
  } else if (m.behaviour == source_port_behaviour::unknown) {
    if (p.src_port != m.first_src_port) {
      m.behaviour = source_port_behaviour::random;
    } else if (p.dst_port != m.first_dst_port || p.seq != m.first_seq) {
      m.behaviour = source_port_behaviour::fixed;
    }
  }
  return m.behaviour;
}

void ground_truth::add(const synthetic_packet& p) {
  ++packets_;
  total_.add(p.source);
  campaigns_[p.campaign].add(p.source);
  const decoded_packet headers = intended_headers(p);
  const source_port_behaviour behaviour = observe(p, headers);
  const int64_t hour = static_cast<int64_t>(p.time_ns / 1000000000ULL) / scenario_generator::hour *
                       scenario_generator::hour;
  // Every packet of a source decides or holds its cluster, on any port, as in scanscope. The
  // generator sends TCP only, and a source's ACK and data go to its SYN's port: so the hour of
  // the latest provisional packet is the hour scanscope finds the source counted under the
  // provisional cluster at the first probe's port.
  port_memory& m = memory_[p.source];
  const cluster_decision d =
      decide_cluster(m.cluster_state, clusters_, p.tool, is_syn_probe(headers), false, behaviour,
                     [&](source_port_behaviour b) {
                       return clusters_.classify({&headers, p.tool, b});
                     });
  if (d.moves && m.provisional_hour == hour && watched_.count(m.first_dst_port) != 0) {
    // scanscope moves the source's count in the hour while it is open: here, the same hour.
    port_hour& first = hours_[hour][m.first_dst_port];
    first.clusters[clusters_.name(d.from)].sources.erase(p.source);
    first.clusters[clusters_.name(d.cluster)].sources.insert(p.source);
  }
  if (m.cluster_state & source_state::cluster_provisional) {
    m.provisional_hour = hour;  // the latest hour a provisional packet counted in
  }
  if (watched_.count(p.dst_port) == 0) {
    return;
  }
  port_hour& h = hours_[hour][p.dst_port];
  h.all.add(p.source);
  h.clusters[clusters_.name(d.cluster)].add(p.source);
  h.countries[generator_.sources()[p.source].country].add(p.source);
  h.ases[std::to_string(generator_.sources()[p.source].asn)].add(p.source);
  if (p.payload) {
    ++payloads_;
    for (const expected_signature& e : p.payload->signatures) {
      if (e.applies_to(p.dst_port)) {
        h.signatures[e.rule].add(p.source);
      }
    }
    const auto on = [&](const std::vector<uint16_t>& ports) {
      return std::find(ports.begin(), ports.end(), p.dst_port) != ports.end();
    };
    for (const expected_step& e : p.payload->steps) {
      if (on(e.ports)) {
        steps_[{p.dst_port, e.step}].add(p.source);
      }
    }
    for (const expected_indicator& e : p.payload->indicators) {
      if (on(e.ports)) {
        indicators_[{e.kind, p.dst_port, e.value}].add(p.source);
      }
    }
  }
}

template <class Writer>
void ground_truth::write_stages(Writer& w) const {
  // What a reader of each protocol (scanscope --emulate) finds in the payloads.
  w.Key("steps");
  w.StartArray();
  for (const auto& [key, t] : steps_) {
    w.StartObject();
    put_uint(w, "port", key.first);
    put_string(w, "step", key.second.c_str());
    put_packets_sources(w, t.packets, t.sources.size());
    w.EndObject();
  }
  w.EndArray();
  w.Key("indicators");
  w.StartArray();
  for (const auto& [key, t] : indicators_) {
    w.StartObject();
    put_string(w, "kind", std::get<0>(key).c_str());
    put_uint(w, "port", std::get<1>(key));
    put_string(w, "value", std::get<2>(key).c_str());
    put_uint(w, "count", t.packets);
    put_uint(w, "sources", t.sources.size());
    w.EndObject();
  }
  w.EndArray();
}

void ground_truth::write_json(std::ostream& out) const {
  rapidjson::OStreamWrapper stream(out);
  rapidjson::Writer<rapidjson::OStreamWrapper> w(stream);
  const scenario& s = generator_.spec();
  const auto pair = [&](const char* key, const tally& t) {
    w.Key(key);
    w.StartArray();
    w.Uint64(t.packets);
    w.Uint64(t.sources.size());
    w.EndArray();
  };
  const auto map = [&](const char* key, const std::map<std::string, tally>& m) {
    w.Key(key);
    w.StartObject();
    for (const auto& [name, t] : m) {
      pair(name.c_str(), t);
    }
    w.EndObject();
  };
  w.StartObject();
  put_string(w, "scenario", s.name.c_str());
  put_uint(w, "seed", s.seed);
  put_string(w, "start", iso_hour(s.start).c_str());
  put_string(w, "end", iso_hour(s.end).c_str());
  put_int(w, "bucket_seconds", scenario_generator::hour);
  put_packets_sources(w, total_.packets, total_.sources.size());
  put_uint(w, "payloads", payloads_);
  w.Key("campaigns");
  w.StartArray();
  for (size_t i = 0; i < s.campaigns.size(); ++i) {
    w.StartObject();
    put_string(w, "name", s.campaigns[i].name.c_str());
    put_string(w, "tool", probe_tool_name(s.campaigns[i].tool));
    put_packets_sources(w, campaigns_[i].packets, campaigns_[i].sources.size());
    write_window(w, s, s.campaigns[i]);
    w.EndObject();
  }
  w.EndArray();
  // Which campaign drew each source: the generator's intent, for checks that work out a
  // source's cluster from what its campaign declares (test_scenarios.py).
  w.Key("sources");
  w.StartObject();
  for (const synthetic_source& src : generator_.sources()) {
    const uint32_t a = src.address;
    const std::string text = std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) +
                             "." + std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
    w.Key(text.c_str());
    w.String(s.campaigns[src.campaign].name.c_str());
  }
  w.EndObject();
  write_stages(w);
  w.Key("ports");
  w.StartArray();
  for (uint16_t port : watched_) {
    w.StartObject();
    put_uint(w, "port", port);
    w.Key("series");
    w.StartArray();
    for (const auto& [hour, ports] : hours_) {
      const auto it = ports.find(port);
      if (it == ports.end()) {
        continue;
      }
      const port_hour& h = it->second;
      w.StartObject();
      put_string(w, "start", iso_hour(hour).c_str());
      put_packets_sources(w, h.all.packets, h.all.sources.size());
      map("clusters", h.clusters);
      map("countries", h.countries);
      map("ases", h.ases);
      map("signatures", h.signatures);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out << '\n';
}

}  // namespace scanscope
