// The worker's repeats counted later (repeat_tally.hpp): a repeat of a source's last
// combination adds to the source's record; the record is folded into every family at once.
#include "fingerprint/scan_technique.hpp"
#include "pipeline/unique_domains.hpp"
#include "pipeline/worker.hpp"

namespace scanscope {

bool worker::tally_repeat(const decoded_packet& p, const frame_ref& f, const packet_class& k,
                          uint8_t technique) {
  repeat_record& r = repeats_.at(k.position);
  const bool tcp = p.l4 == l4_kind::tcp;
  // The combination holds the fingerprint key (transport, flags, a payload or not) and the
  // watched-port index; the unwatched ports share index 0, so the port itself is compared.
  // The technique also depends on the parse result (a tiny fragment is "other").
  if (!(r.at.marks & repeat_record::valid) || r.at.tcp() != tcp || r.at.dst_port != p.dst_port ||
      r.at.technique != technique || r.bytes >= repeat_record::byte_limit) {
    return false;
  }
  repeats_.add(k.position, f.time_ns, link_length(f));
  return true;
}

bool worker::tally_continued(const decoded_packet& p, const frame_ref& f, const packet_class& k) {
  repeat_record& r = repeats_.at(k.position);
  // The probe has the shape of the packet before it, which counted under this record: its
  // technique is the record's (what tally_repeat() checks beside the port).
  if (!r.continues(p.dst_port, true, k.bucket) || r.bytes >= repeat_record::byte_limit) {
    return false;
  }
  repeats_.add(k.position, f.time_ns, link_length(f));
  ++continued_repeats_;
  return true;
}

void worker::start_record(const count_point& at, const fingerprint_slot* slot, int64_t bucket,
                          uint32_t position) {
  repeat_record& r = repeats_.at(position);
  if (r.packets != 0) {
    fold_record(r);  // the previous combination's
  }
  const uint8_t queued = r.at.marks & repeat_record::queued;
  r.bucket = static_cast<uint32_t>(bucket);
  r.fingerprint = slot != nullptr ? fingerprints_.index_of(*slot) : repeat_record::no_slot;
  r.at = at;
  r.at.marks |= static_cast<uint8_t>(repeat_record::valid | queued);
}

void worker::fold_record(repeat_record& r) {
  const uint64_t n = r.packets;
  add_packets(r.at, n, r.bytes, true);
  // The AS count is keyed: its packets and its sources go in one find-or-add.
  count_keyed(stats_.port_ases, stats_.port_as_overflow,
              series_key::make(series_key::kind::as, r.at.port, r.at.asn, 0), n, false);
  uint64_t keys[max_series_keys];
  const size_t key_count = series_keys(r.at, keys);
  // Known repeats: no distinct-source look, so neither the source nor its hash is needed.
  series_.add(r.bucket, 0, keys, key_count, 0, true, nullptr, n);
  if (series_.arrival_capacity() != 0) {
    // The record's position is its source's, which holds it until the record is folded.
    const uint32_t position = repeats_.position_of(r);
    series_.tally_source(r.bucket, address_hash(sources_->at(position).key.bytes), n);
  }
  if (r.fingerprint != repeat_record::no_slot) {
    fingerprints_.at(r.fingerprint).packets.add(n);
  } else {
    fingerprints_.refused(n);
  }
  r.packets = 0;
  r.bytes = 0;
}

void worker::fold_due(uint64_t now_ns, bool everything) {
  while (repeat_record* r = repeats_.next_due(now_ns, bucket_ns_, everything)) {
    if (r->packets != 0) {
      fold_record(*r);
    }
  }
}

void worker::retire_source(source_state& s) {
  repeat_record& r = repeats_.at(sources_->position_of(s));
  if (r.packets != 0) {
    fold_record(r);
  }
  // Still queued, if it was: the queue skips records with nothing waiting.
  r.at.marks &= repeat_record::queued;
}

}  // namespace scanscope
