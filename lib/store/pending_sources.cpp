#include "store/pending_sources.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "common/text.hpp"
#include "converse/emulation.hpp"
#include "packet/prefix_set.hpp"

namespace scanscope {

namespace {

/** Widen `s` to take `bucket`; a bucket counts once however many keys bring it. */
template <typename Span>
void stretch(Span& s, int64_t bucket, bool is_new) {
  if (is_new) {
    s.first = s.last = bucket;
    s.buckets = 1;
  } else if (bucket > s.last) {
    s.last = bucket;
    ++s.buckets;
  }
}

}  // namespace

void pending_sources::add(int64_t bucket, const std::vector<source_arrival>& arrivals,
                          const std::vector<source_tally>& tallies,
                          const std::vector<source_fact>& facts) {
  std::unordered_map<uint64_t, uint64_t> packets;
  packets.reserve(tallies.size());
  for (const source_tally& t : tallies) {
    packets[t.key] += t.packets;
  }
  for (const source_arrival& a : arrivals) {
    address source;
    std::memcpy(&source.hi, a.source, 8);
    std::memcpy(&source.lo, a.source + 8, 8);
    auto [s, new_source] = sources_.try_emplace(source);
    // An entry only facts made (buckets 0) has no span of its own yet.
    const bool fresh = new_source || s->second.when.buckets == 0;
    if (fresh || bucket > s->second.when.last) {
      // The source's first arrival in this bucket brings its packets in it.
      const auto p = packets.find(bucket_series::tally_key(address_hash(a.source)));
      if (p != packets.end()) {
        s->second.packets += p->second;
        p->second = 0;  // taken
      }
    }
    stretch(s->second.when, bucket, fresh);
    std::vector<keyed_span>& keys = s->second.keys;
    auto k = std::find_if(keys.begin(), keys.end(),
                          [&](const keyed_span& held) { return held.key == a.key; });
    if (k == keys.end()) {
      keys.push_back({a.key, {}});
      stretch(keys.back().when, bucket, true);
      ++pairs_;
    } else {
      stretch(k->when, bucket, false);
    }
  }
  // Packets of sources with no arrival here (packets without ports only, or their arrivals
  // dropped): no stored source takes them.
  for (const auto& [key, n] : packets) {
    untallied_ += n;
  }
  add_facts(bucket, facts);
}

void pending_sources::add_facts(int64_t bucket, const std::vector<source_fact>& facts) {
  for (const source_fact& f : facts) {
    address source;
    std::memcpy(&source.hi, f.source, 8);
    std::memcpy(&source.lo, f.source + 8, 8);
    // A source with no arrival in this bucket (a host's answer in the bucket after the
    // probe's) gains no bucket by it: a new entry keeps buckets 0, facts only.
    std::vector<fact_span>& held = sources_[source].facts;
    const auto same = [&](const fact_span& h) {
      return h.fact.kind == f.kind && h.fact.port == f.port && h.fact.tcp == f.tcp &&
             std::memcmp(h.fact.host, f.host, sizeof f.host) == 0;
    };
    auto k = std::find_if(held.begin(), held.end(), same);
    if (k != held.end()) {
      stretch(k->when, bucket, false);
      continue;
    }
    const size_t kept = f.kind == source_fact::unwatched   ? unwatched_ports_kept
                        : f.kind == source_fact::indicator ? indicators_kept
                                                           : SIZE_MAX;
    if (kept != SIZE_MAX && std::count_if(held.begin(), held.end(), [&](const fact_span& h) {
                              return h.fact.kind == f.kind;
                            }) >= static_cast<std::ptrdiff_t>(kept)) {
      continue;
    }
    held.push_back({f, {}});
    stretch(held.back().when, bucket, true);
    ++pairs_;
  }
}

void pending_sources::add_source_of(const pending_sources& from, const uint8_t* source) {
  address a;
  std::memcpy(&a.hi, source, 8);
  std::memcpy(&a.lo, source + 8, 8);
  const auto s = from.sources_.find(a);
  if (s == from.sources_.end()) {
    return;
  }
  source_entry& mine = sources_[a];
  pairs_ += s->second.keys.size() + s->second.facts.size() - mine.keys.size() -
            mine.facts.size();
  mine = s->second;
  add_texts(from.texts_);
}

void pending_sources::add_texts(const std::unordered_map<uint64_t, std::string>& texts) {
  texts_.insert(texts.begin(), texts.end());
}

std::vector<source_sighting> pending_sources::take(const series_names& names,
                                                   const std::vector<std::string>& categories,
                                                   uint64_t width_s) {
  const auto start = [width_s](int64_t b) { return static_cast<uint64_t>(b) * width_s; };
  std::vector<source_sighting> out;
  out.reserve(sources_.size());
  for (const auto& [a, entry] : sources_) {
    uint8_t bytes[16];
    std::memcpy(bytes, &a.hi, 8);
    std::memcpy(bytes + 8, &a.lo, 8);
    source_sighting sighting;
    sighting.address = format_address(bytes);
    sighting.buckets = entry.when.buckets;  // 0: facts only, no bucket of its own
    if (sighting.buckets != 0) {
      sighting.first_seen = start(entry.when.first);
      sighting.first_end = start(entry.when.first) + width_s;
      sighting.last_seen = start(entry.when.last) + width_s;
    }
    sighting.packets = entry.packets;
    for (const keyed_span& k : entry.keys) {
      const series_key::kind kind = series_key::kind_of(k.key);
      const series_labels l = label_series_key(names, k.key);
      if (series_key::has_country(kind)) {
        sighting.country = l.country;
      }
      if (kind == series_key::kind::actor) {
        sighting.actor = l.value;
        continue;
      }
      if (kind == series_key::kind::as) {
        uint32_t asn = 0;
        sighting.asn = parse_as_number(l.value, asn) ? asn : 0;
        continue;
      }
      source_activity what;
      what.kind = l.kind;
      what.port = l.port == "other" ? 0 : static_cast<uint16_t>(std::stoul(l.port));
      what.protocol = l.protocol;
      if (kind != series_key::kind::port) {
        what.value = l.value;
      }
      if (kind == series_key::kind::signature) {
        const uint32_t slot = series_key::dim_of(k.key);
        what.category = slot < categories.size() ? categories[slot] : "";
      }
      what.first_seen = start(k.when.first);
      what.last_seen = start(k.when.last) + width_s;
      sighting.activity.push_back(std::move(what));
    }
    for (const fact_span& f : entry.facts) {
      source_activity what;
      what.kind = f.fact.kind == source_fact::exposure    ? "exposure"
                  : f.fact.kind == source_fact::indicator ? "indicator"
                                                          : "unwatched";
      what.port = f.fact.port;
      what.protocol = f.fact.tcp ? "tcp" : "udp";
      if (f.fact.kind == source_fact::exposure) {
        what.value = format_address(f.fact.host);  // the monitored host that answered
      } else if (f.fact.kind == source_fact::indicator) {
        uint64_t hash;
        std::memcpy(&hash, f.fact.host, sizeof hash);
        const auto text = texts_.find(hash);
        // "kind value" (docs/sources.md); a text the tables no longer had: the kind alone.
        what.value = text != texts_.end()
                         ? text->second
                         : name_in(indicator_kind_names, f.fact.host[8], "indicator");
      }
      what.first_seen = start(f.when.first);
      what.last_seen = start(f.when.last) + width_s;
      sighting.activity.push_back(std::move(what));
    }
    out.push_back(std::move(sighting));
  }
  sources_.clear();
  texts_.clear();
  pairs_ = 0;
  // In key order, the store's B-trees are walked once per write rather than at random.
  std::sort(out.begin(), out.end(), [](const source_sighting& a, const source_sighting& b) {
    return a.address < b.address;
  });
  for (source_sighting& s : out) {
    std::sort(s.activity.begin(), s.activity.end(),
              [](const source_activity& a, const source_activity& b) {
                return std::tie(a.kind, a.port, a.protocol, a.value) <
                       std::tie(b.kind, b.port, b.protocol, b.value);
              });
  }
  return out;
}

}  // namespace scanscope
