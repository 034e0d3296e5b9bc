// The worker's cluster side: a source's cluster decided once and held
// (cluster/cluster_decision.hpp), and the move of a provisional first probe's source count.
#include "cluster/cluster_decision.hpp"
#include "fingerprint/scan_tool.hpp"
#include "pipeline/unique_domains.hpp"
#include "pipeline/worker.hpp"

namespace scanscope {

uint8_t worker::cluster_of(const decoded_packet& p, const packet_class& c,
                           source_port_behaviour b) {
  if (!memoize_clusters_) {
    return clusters_->classify(packet_traits{&p, c.tool, b});
  }
  const uint64_t key =
      light_set_key(c.key_hash, static_cast<uint64_t>(c.tool), static_cast<uint64_t>(b)) | 1;
  cluster_memo& m = memo_[key & (cluster_memo_size - 1)];
  if (m.key != key) {
    m.key = key;
    m.cluster = clusters_->classify(packet_traits{&p, c.tool, b});
  }
  return m.cluster;
}

void worker::decide_source_cluster(const decoded_packet& p, source_state& s, packet_class& c) {
  const bool udp = p.l4 == l4_kind::udp;
  const cluster_decision d = decide_cluster(
      s.cluster_state, *clusters_, c.tool, udp || is_syn_probe(p), udp, s.src_port_behaviour(),
      [&](source_port_behaviour b) { return cluster_of(p, c, b); });
  c.cluster = d.cluster;
  c.moved_from = no_move;
  if (d.moves) {
    c.moved_from = d.from;
    c.moved_port = ports_.index(d.from_udp ? transport::udp : transport::tcp, s.first_dst_port);
  }
}

void worker::move_first_probe(const packet_class& k, const count_point& at) {
  // The count since start is a gauge, so the source may leave it; the hour moves too while it
  // is open (series_.move_source). The first probe's frame stays where it was counted.
  lcore_counters& c = *stats_.block;
  const uint8_t country = k.source->country;
  const unsigned from = marked_bit(series_key::kind::cluster, k.moved_from);
  // The first probe made the source's entry on its port (none: the marks were full).
  if (marked_values* m = marks_.find_existing(
          port_marks_key(k.source_hash, k.moved_port, country, k.source->actor()))) {
    // A source that comes back after it was forgotten finds its marks: its second provisional
    // probe was not counted, so it must not leave the count a second time (a key in the set:
    // moves are rare).
    if (m->marked(from) && uniques_.insert(per_port_key(k.source_hash, unique_domain::cluster_moved,
                                                        k.moved_port, k.moved_from))) {
      c.on_port(series_key::kind::cluster, k.moved_port, k.moved_from).sources.sub();
    }
    if (m->mark(marked_bit(series_key::kind::cluster, k.cluster))) {
      c.on_port(series_key::kind::cluster, k.moved_port, k.cluster).sources.add();
    }
  }
  // The hour's entry on the first probe's port: the same values but for the port and cluster.
  count_point first = at;
  first.port = k.moved_port;
  first.cluster = k.moved_from;
  uint64_t keys[max_series_keys];
  const size_t key_count = series_keys(first, keys);
  series_.move_source(
      k.bucket, bucket_series::pair_of(k.source_hash, keys, key_count),
      series_key::make(series_key::kind::cluster, k.moved_port, k.moved_from, country),
      series_key::make(series_key::kind::cluster, k.moved_port, k.cluster, country),
      k.source->key.bytes);
}

}  // namespace scanscope
