#include "store/source_sightings.hpp"

#include <algorithm>
#include <cstring>

#include "common/text.hpp"
#include "packet/prefix_set.hpp"

namespace scanscope {

std::vector<source_sighting> sightings_of(std::vector<source_arrival> arrivals,
                                          const series_names& names,
                                          const std::vector<std::string>& categories) {
  std::sort(arrivals.begin(), arrivals.end(), [](const source_arrival& x, const source_arrival& y) {
    const int c = std::memcmp(x.source, y.source, sizeof x.source);
    return c != 0 ? c < 0 : x.key < y.key;
  });
  std::vector<source_sighting> out;
  for (size_t i = 0; i < arrivals.size();) {
    const source_arrival& first = arrivals[i];
    source_sighting s;
    s.address = format_address(first.source);
    s.country = names.country(0);
    for (; i < arrivals.size() &&
           std::memcmp(arrivals[i].source, first.source, sizeof first.source) == 0;
         ++i) {
      const uint64_t key = arrivals[i].key;
      const series_key::kind kind = series_key::kind_of(key);
      const series_labels l = label_series_key(names, key);
      if (series_key::has_country(kind)) {
        s.country = l.country;
      }
      if (kind == series_key::kind::actor) {
        s.actor = l.value;
        continue;
      }
      if (kind == series_key::kind::as) {
        uint32_t asn = 0;
        s.asn = parse_as_number(l.value, asn) ? asn : 0;
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
        const uint32_t slot = series_key::dim_of(key);
        a.category = slot < categories.size() ? categories[slot] : "";
      }
      s.activity.push_back(std::move(a));
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace scanscope
