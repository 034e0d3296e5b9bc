#include "held_frames.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "packet/capture_link.hpp"
#include "scenario/scenario_generator.hpp"

namespace scanscope::test {

std::vector<held_frame> read_capture(const std::string& path) {
  char message[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle = pcap_open_offline(path.c_str(), message);
  if (handle == nullptr) {
    FAIL(path << ": " << message);
  }
  const auto link = capture_link_from_dlt(pcap_datalink(handle));
  INFO(path << ": link type " << pcap_datalink(handle));
  REQUIRE(link);
  std::vector<held_frame> frames;
  pcap_pkthdr* header = nullptr;
  const u_char* record = nullptr;
  while (pcap_next_ex(handle, &header, &record) == 1) {
    const auto view = make_ethernet_view(*link, record, header->caplen);
    if (!view) {
      continue;
    }
    held_frame f;
    const size_t prefix = view->prepend ? ethernet_header_size : 0;
    f.data.resize(prefix + header->caplen - view->skip);
    std::memcpy(f.data.data(), view->header, prefix);
    std::memcpy(f.data.data() + prefix, record + view->skip, header->caplen - view->skip);
    f.wire_length = static_cast<uint32_t>(std::max<uint64_t>(
        f.data.size(), header->len > view->skip ? header->len - view->skip + prefix : 0));
    f.time_ns = static_cast<uint64_t>(header->ts.tv_sec) * 1000000000ULL +
                static_cast<uint64_t>(header->ts.tv_usec) * 1000ULL;
    f.link_bytes = static_cast<int32_t>(view->skip) - static_cast<int32_t>(prefix);
    frames.push_back(std::move(f));
  }
  pcap_close(handle);
  return frames;
}

std::vector<std::string> test_captures() {
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(SCANSCOPE_SOURCE_DIR "/test/data")) {
    if (e.path().extension() == ".pcap") {
      paths.push_back(e.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::vector<held_frame> scenario_sample(const std::string& name, const location_db& geo,
                                        size_t per_hour) {
  std::string error;
  const std::string path = SCANSCOPE_SOURCE_DIR "/config/scenarios/" + name + ".scn";
  const auto s = scenario::load(path, error);
  INFO(error);
  REQUIRE(s);
  auto generator = scenario_generator::create(*s, geo, error);
  REQUIRE(generator);
  std::vector<held_frame> frames;
  std::vector<synthetic_packet> hour;
  for (int64_t h = generator->first_hour(); h < s->end; h += scenario_generator::hour) {
    generator->generate_hour(h, hour);
    for (size_t i = 0; i < hour.size() && i < per_hour; ++i) {
      held_frame f;
      write_frame(hour[i], f.data);
      f.wire_length = static_cast<uint32_t>(f.data.size());
      f.time_ns = hour[i].time_ns;
      frames.push_back(std::move(f));
    }
  }
  return frames;
}

}  // namespace scanscope::test
