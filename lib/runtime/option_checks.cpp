#include "runtime/option_checks.hpp"

#include <cstdint>

#include "pipeline/worker.hpp"

namespace scanscope {

option_error check_option_values(const app_options& o) {
  auto in_range = [](const char* name, uint64_t v, uint64_t lo, uint64_t hi) -> option_error {
    if (v < lo || v > hi) {
      return {name, std::string("option '") + name + "' must be from " + std::to_string(lo) +
                        " to " + std::to_string(hi) + ", got " + std::to_string(v)};
    }
    return {};
  };
  for (const option_error& e : {
           in_range("queues", o.queues, 1, 128),
           in_range("workers", o.workers, 1, 128),
           in_range("mbuf-cache", o.mbuf_cache, 0, 512),
           in_range("mbuf-size", o.mbuf_size, 256 + 128, 65535),
           in_range("rx-descriptors", o.rx_descriptors, 64, 65536),
           in_range("ring-size", o.ring_size, 64, 1u << 24),
           in_range("burst", o.burst, 1, worker::max_burst),
           in_range("memory", o.memory_mb, 64, 1u << 20),
           in_range("top-ports", o.top_ports, 0, 1000),
           in_range("source-capacity", o.source_capacity, 8, 1u << 28),
           in_range("unique-slots", o.unique_slots, 1024, 1u << 30),
           in_range("fingerprint-slots", o.fingerprint_slots, 64, 1u << 24),
           in_range("flow-capacity", o.flow_capacity, 8, 1u << 24),
           in_range("scan-bytes", o.scan_bytes, 1, 1u << 20),
           in_range("retention", o.retention, 1, 1u << 20),
           in_range("bucket-entries", o.bucket_entries, 64, 1u << 24),
           in_range("bucket-unique-slots", o.bucket_unique_slots, 1024, 1u << 28),
           in_range("surge-window", o.surge.window, 1, 10000),
           in_range("surge-min-history", o.surge.min_history, 1, 10000),
           in_range("campaign-min-count", o.campaign.min_count, 1, 1u << 30),
           in_range("campaign-window", o.campaign.window, 2, 10000),
           in_range("campaign-min-history", o.campaign.min_history, 2, 10000),
           in_range("campaign-end", o.campaign.end_buckets, 1, 1000),
           in_range("lead-hold", o.campaign.lead_hold, 1, 1000),
       }) {
    if (!e.message.empty()) {
      return e;
    }
  }
  // An emulated answer's segment carries up to max_segment_data bytes: its mbuf must hold the
  // whole frame after the headroom.
  if (o.conversation.respond && o.conversation.emulation.any() &&
      o.mbuf_size < 128 + max_answer_frame_bytes) {
    return {"mbuf-size", "option 'mbuf-size' must be at least " +
                             std::to_string(128 + max_answer_frame_bytes) +
                             " with 'emulate': an answer's segment carries up to " +
                             std::to_string(max_segment_data) + " bytes"};
  }
  if ((o.ring_size & (o.ring_size - 1)) != 0) {
    return {"ring-size",
            "option 'ring-size' must be a power of two, got " + std::to_string(o.ring_size)};
  }
  // Whole seconds: bucket starts are written as seconds (series files, the fleet store).
  if (!(o.bucket >= 10 && o.bucket <= 86400) || o.bucket != static_cast<double>(
                                                    static_cast<uint64_t>(o.bucket))) {
    return {"bucket", "option 'bucket' must be whole seconds from 10 to 86400"};
  }
  if (!(o.bucket_grace >= 0 && o.bucket_grace < o.bucket)) {
    return {"bucket-grace", "option 'bucket-grace' must be from 0 to less than the bucket width"};
  }
  if (o.rerun != "fill" && o.rerun != "append") {
    return {"rerun", "option 'rerun' must be 'fill' or 'append', got '" + o.rerun + "'"};
  }
  if (!(o.surge.ratio > 1)) {
    return {"surge-ratio", "option 'surge-ratio' must be above 1"};
  }
  if (!(o.surge.iqr_k >= 0)) {
    return {"surge-iqr", "option 'surge-iqr' must not be negative"};
  }
  if (!(o.campaign.ratio > 1)) {
    return {"campaign-ratio", "option 'campaign-ratio' must be above 1"};
  }
  if (o.campaign.min_history > o.campaign.window) {
    return {"campaign-min-history",
            "option 'campaign-min-history' must not exceed 'campaign-window'"};
  }
  if (!(o.flow_idle > 0)) {
    return {"flow-idle", "option 'flow-idle' must be above 0"};
  }
  if (!(o.source_idle > 0)) {
    return {"source-idle", "option 'source-idle' must be above 0"};
  }
  if (o.duration < 0) {
    return {"duration", "option 'duration' must not be negative"};
  }
  if (!(o.status_interval > 0)) {
    return {"status-interval", "option 'status-interval' must be above 0"};
  }
  return {};
}

}  // namespace scanscope
