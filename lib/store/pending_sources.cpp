#include "store/pending_sources.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "common/text.hpp"
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

void pending_sources::add(int64_t bucket, const std::vector<source_arrival>& arrivals) {
  for (const source_arrival& a : arrivals) {
    address source;
    std::memcpy(&source.hi, a.source, 8);
    std::memcpy(&source.lo, a.source + 8, 8);
    auto [s, new_source] = sources_.try_emplace(source);
    stretch(s->second, bucket, new_source);
    auto [k, new_key] = activity_.try_emplace(activity_id{source, a.key});
    stretch(k->second, bucket, new_key);
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
  sources_[a] = s->second;
  // The activity is keyed by (source, key): one pass finds the source's keys.
  for (const auto& [id, span] : from.activity_) {
    if (id.source == a) {
      activity_[id] = span;
    }
  }
}

std::vector<source_sighting> pending_sources::take(const series_names& names,
                                                   const std::vector<std::string>& categories,
                                                   uint64_t width_s) {
  const auto start = [width_s](int64_t b) { return static_cast<uint64_t>(b) * width_s; };
  std::vector<source_sighting> out;
  out.reserve(sources_.size());
  std::unordered_map<address, size_t, hash> index;
  index.reserve(sources_.size());
  for (const auto& [a, s] : sources_) {
    uint8_t bytes[16];
    std::memcpy(bytes, &a.hi, 8);
    std::memcpy(bytes + 8, &a.lo, 8);
    source_sighting sighting;
    sighting.address = format_address(bytes);
    sighting.first_seen = start(s.first);
    sighting.first_end = start(s.first) + width_s;
    sighting.last_seen = start(s.last) + width_s;
    sighting.buckets = s.buckets;
    index.emplace(a, out.size());
    out.push_back(std::move(sighting));
  }
  for (const auto& [id, s] : activity_) {
    source_sighting& sighting = out[index.at(id.source)];
    const series_key::kind kind = series_key::kind_of(id.key);
    const series_labels l = label_series_key(names, id.key);
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
    source_activity a;
    a.kind = l.kind;
    a.port = l.port == "other" ? 0 : static_cast<uint16_t>(std::stoul(l.port));
    a.protocol = l.protocol;
    if (kind != series_key::kind::port) {
      a.value = l.value;
    }
    if (kind == series_key::kind::signature) {
      const uint32_t slot = series_key::dim_of(id.key);
      a.category = slot < categories.size() ? categories[slot] : "";
    }
    a.first_seen = start(s.first);
    a.last_seen = start(s.last) + width_s;
    sighting.activity.push_back(std::move(a));
  }
  sources_.clear();
  activity_.clear();
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
