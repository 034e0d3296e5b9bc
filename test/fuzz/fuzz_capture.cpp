// libFuzzer target: any bytes as a capture file, read the way the offline reader reads it
// (libpcap, link-type adaptation) and parsed. Seeds: the captures in test/data.
#include <pcap/pcap.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "packet/capture_link.hpp"
#include "packet/parser.hpp"

using namespace scanscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FILE* f = fmemopen(const_cast<uint8_t*>(data), size, "rb");
  if (f == nullptr) {
    return 0;
  }
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    return 0;  // libpcap closed f
  }
  const auto link = capture_link_from_dlt(pcap_datalink(p));
  pcap_pkthdr* header = nullptr;
  const u_char* record = nullptr;
  uint8_t frame[65536 + ethernet_header_size];
  for (int n = 0; link && n < 1000 && pcap_next_ex(p, &header, &record) == 1; ++n) {
    const auto view = make_ethernet_view(*link, record, header->caplen);
    if (!view || view->skip > header->caplen) {
      continue;
    }
    size_t length = 0;
    if (view->prepend) {
      for (size_t i = 0; i < ethernet_header_size; ++i) {
        frame[length++] = view->header[i];
      }
    }
    const size_t body = header->caplen - view->skip;
    for (size_t i = 0; i < body && length < sizeof frame; ++i) {
      frame[length++] = record[view->skip + i];
    }
    decoded_packet d;
    parse_frame(frame, length, header->len + ethernet_header_size, d);
  }
  pcap_close(p);
  return 0;
}
