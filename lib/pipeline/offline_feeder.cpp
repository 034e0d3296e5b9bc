#include "pipeline/offline_feeder.hpp"

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "packet/parser.hpp"
#include "pipeline/packet_meta.hpp"
#include "pipeline/ring_wait.hpp"

namespace scanscope {

namespace {

// Enough frames per ring enqueue to amortise its cost, as an RX burst does.
constexpr unsigned stage_size = 32;

/** Software RSS: the lcore that owns a frame's remote address (its source, unless the
 *  source is monitored). */
size_t ring_for(const uint8_t* frame, size_t length, size_t rings, const prefix_set* monitored) {
  if (rings == 1) {
    return 0;
  }
  decoded_packet p;
  parse_frame(frame, length, p);
  const bool v6 = p.l3 == l3_kind::ipv6;
  const uint8_t* remote = p.src_addr;
  if (monitored != nullptr && p.l3 != l3_kind::none &&
      monitored->contains_packet_address(p.src_addr, v6) &&
      !monitored->contains_packet_address(p.dst_addr, v6)) {
    remote = p.dst_addr;
  }
  // FNV-1a over the address: every frame of a source goes to the same ring.
  uint64_t h = 1469598103934665603ULL;
  const size_t n = v6 ? 16 : 4;
  for (size_t i = 0; i < n; ++i) {
    h = (h ^ remote[i]) * 1099511628211ULL;
  }
  return h % rings;
}

/** Frames waiting to be enqueued on one ring. */
struct stage {
  rte_mbuf* frames[stage_size];
  unsigned count = 0;
};

/** Enqueue everything staged, waiting while the ring is full. @return false if stopped. */
bool flush(stage& s, rte_ring* ring, const std::atomic<bool>& stop) {
  unsigned done = 0;
  unsigned waits = 0;
  while (done < s.count) {
    const unsigned taken = rte_ring_enqueue_burst(ring, reinterpret_cast<void**>(s.frames + done),
                                                  s.count - done, nullptr);
    done += taken;
    if (taken != 0) {
      waits = 0;
    }
    if (done < s.count) {
      if (stop.load(std::memory_order_relaxed)) {
        rte_pktmbuf_free_bulk(s.frames + done, s.count - done);
        s.count = 0;
        return false;
      }
      wait_for_ring(waits);
    }
  }
  s.count = 0;
  return true;
}

/** Enqueue every ring's staged frames, counted in `enqueued`. @return false if stopped. */
bool flush_all(std::vector<stage>& stages, const std::vector<rte_ring*>& rings,
               std::vector<uint64_t>& enqueued, const std::atomic<bool>& stop) {
  for (size_t i = 0; i < rings.size(); ++i) {
    enqueued[i] += stages[i].count;
    if (!flush(stages[i], rings[i], stop)) {
      return false;
    }
  }
  return true;
}

/** An mbuf from the pool; while every one is in flight, what is staged goes to the lcores so
 *  they can free some. @return null when stopped */
rte_mbuf* take_mbuf(rte_mempool* pool, std::vector<stage>& stages,
                    const std::vector<rte_ring*>& rings, std::vector<uint64_t>& enqueued,
                    const std::atomic<bool>& stop) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  unsigned pool_waits = 0;
  while (m == nullptr) {
    if (!flush_all(stages, rings, enqueued, stop) || stop.load(std::memory_order_relaxed)) {
      return nullptr;
    }
    wait_for_ring(pool_waits);
    m = rte_pktmbuf_alloc(pool);
  }
  return m;
}

/** A capture record into `m`, presented as an Ethernet frame (see capture_link.hpp), with its
 *  time and lengths in the mbuf's metadata. @return false when it was clipped to the mbuf */
bool fill_frame(rte_mbuf* m, capture_link link, const pcap_pkthdr& header, const u_char* record) {
  const auto view = make_ethernet_view(link, record, header.caplen);
  const size_t skip = view ? view->skip : header.caplen;
  const size_t prefix = view && view->prepend ? ethernet_header_size : 0;
  const size_t body = header.caplen - skip;
  const size_t room = rte_pktmbuf_tailroom(m);
  const size_t copy_prefix = std::min(prefix, room);
  const size_t copy_body = std::min(body, room - copy_prefix);
  auto* out = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, copy_prefix + copy_body));
  if (copy_prefix != 0) {
    std::memcpy(out, view->header, copy_prefix);
  }
  std::memcpy(out + copy_prefix, record + skip, copy_body);
  const uint64_t wire = header.len > skip ? header.len - skip + prefix : prefix + body;
  packet_meta& meta = meta_of(m);
  meta.time_ns = static_cast<uint64_t>(header.ts.tv_sec) * 1000000000ULL +
                 static_cast<uint64_t>(header.ts.tv_usec);  // nanoseconds (see open)
  meta.wire_length = static_cast<uint32_t>(std::min<uint64_t>(wire, UINT32_MAX));
  meta.link_bytes = static_cast<int32_t>(skip) - static_cast<int32_t>(prefix);
  return copy_prefix + copy_body == prefix + body;
}

}  // namespace

offline_feeder::offline_feeder(pcap* handle, capture_link link, std::string path)
    : handle_(handle), link_(link), path_(std::move(path)) {}

offline_feeder::~offline_feeder() {
  pcap_close(handle_);
}

std::unique_ptr<offline_feeder> offline_feeder::open(const std::string& path, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    error = "cannot read capture '" + path + "': " + errbuf;
    return nullptr;
  }
  const int dlt = pcap_datalink(p);
  const auto link = capture_link_from_dlt(dlt);
  if (!link) {
    const char* name = pcap_datalink_val_to_name(dlt);
    error = "capture '" + path + "' has link type " + std::to_string(dlt) + " (" +
            (name ? name : "unknown") +
            "); scanscope reads EN10MB, LINUX_SLL, LINUX_SLL2, RAW and NULL";
    pcap_close(p);
    return nullptr;
  }
  return std::unique_ptr<offline_feeder>(new offline_feeder(p, *link, path));
}

std::optional<uint64_t> offline_feeder::first_record_ns(const std::string& path) {
  std::string ignored;
  const auto feeder = open(path, ignored);
  pcap_pkthdr* header = nullptr;
  const u_char* record = nullptr;
  if (!feeder || pcap_next_ex(feeder->handle_, &header, &record) != 1) {
    return std::nullopt;
  }
  // Nanoseconds: open() asks libpcap for nanosecond precision.
  return static_cast<uint64_t>(header->ts.tv_sec) * 1000000000ULL +
         static_cast<uint64_t>(header->ts.tv_usec);
}

std::string offline_feeder::link_name() const {
  const char* name = pcap_datalink_val_to_name(pcap_datalink(handle_));
  return name ? name : "unknown";
}

feeder_result offline_feeder::run(rte_mempool* pool, const std::vector<rte_ring*>& rings,
                                  const std::atomic<bool>& stop,
                                  const std::function<void(const feeder_progress&)>& tick,
                                  double tick_seconds, const bucket_hooks& buckets) {
  feeder_result result;
  enqueued_.resize(rings.size(), 0);
  std::vector<stage> stages(rings.size());
  feeder_progress progress;
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    progress.file_size = static_cast<uint64_t>(st.st_size);
  }
  const uint64_t tick_cycles = static_cast<uint64_t>(tick_seconds * rte_get_timer_hz());
  uint64_t next_tick = rte_get_timer_cycles() + tick_cycles;
  bool stopped = false;

  while (!stopped) {
    if (stop.load(std::memory_order_relaxed)) {
      result.interrupted = true;
      break;
    }
    pcap_pkthdr* header = nullptr;
    const u_char* record = nullptr;
    const int rc = pcap_next_ex(handle_, &header, &record);
    if (rc == PCAP_ERROR_BREAK) {
      break;  // end of file
    }
    if (rc != 1) {
      ++result.errors;
      result.error = "capture '" + path_ + "' is damaged after record " +
                     std::to_string(result.records) + ": " + pcap_geterr(handle_);
      break;
    }
    rte_mbuf* m = take_mbuf(pool, stages, rings, enqueued_, stop);
    if (m == nullptr) {
      stopped = true;
      break;
    }
    if (!fill_frame(m, link_, *header, record)) {
      ++result.clipped_records;
    }
    const uint64_t time_ns = meta_of(m).time_ns;
    if (buckets.due && buckets.due(time_ns)) {
      if (!flush_all(stages, rings, enqueued_, stop)) {
        rte_pktmbuf_free(m);
        stopped = true;
        break;
      }
      buckets.close(time_ns, enqueued_);
    }
    const size_t r = ring_for(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m),
                              rings.size(), monitored_);
    stage& s = stages[r];
    s.frames[s.count++] = m;
    ++result.records;
    if (s.count == stage_size) {
      enqueued_[r] += s.count;
      if (!flush(s, rings[r], stop)) {
        result.interrupted = true;
        break;
      }
    }
    if ((result.records & 1023) == 0 && tick && rte_get_timer_cycles() >= next_tick) {
      progress.records = result.records;
      const long offset = std::ftell(pcap_file(handle_));
      progress.file_offset = offset > 0 ? static_cast<uint64_t>(offset) : 0;
      tick(progress);
      next_tick = rte_get_timer_cycles() + tick_cycles;
    }
  }
  if (!flush_all(stages, rings, enqueued_, stop) || stopped) {
    result.interrupted = true;
  }
  return result;
}

}  // namespace scanscope
