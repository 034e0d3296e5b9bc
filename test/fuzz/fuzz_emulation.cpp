// libFuzzer target: any bytes as what a client sends on an emulated connection, for each
// protocol (the first byte picks it: ethereum, claymore, http, adb, telnet): the requests are read
// and answered one after another, as the responder does, and every answer must fit its bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "converse/emulator.hpp"

using namespace scanscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  static const emulation_plan plan = [] {
    emulation_plan p;
    plan_emulation("all", {}, p);
    p.secret[0] = 1;
    p.secret[1] = 2;
    p.keep_secrets = true;
    return p;
  }();
  const auto protocol = static_cast<emulated_protocol>(data[0] % emulated_protocol_count);
  // The client's bytes in a buffer of their own size, so an over-read is caught.
  std::vector<uint8_t> sent(data + 1, data + size);
  std::vector<uint8_t> answer(max_answer_data);
  std::vector<uint8_t> state(max_state_bytes, 0);  // ADB's and telnet's, for the whole input
  if (speaks_first(protocol)) {
    greet(protocol, {&plan, 0, 42, 0, state.data()}, answer.data());
  }
  size_t offset = 0;
  for (uint32_t request = 0; offset < sent.size(); ++request) {
    const emulation_context context{&plan, 1700000000ULL * 1000000000ULL, 42, request,
                                    state.data()};
    const emulation_turn turn = emulate_request(protocol, context, sent.data() + offset,
                                                sent.size() - offset, answer.data());
    if (turn.answer_length > max_answer_data || turn.consumed > sent.size() - offset ||
        turn.indicator_count > emulation_turn::max_indicators) {
      std::abort();
    }
    if (turn.consumed == 0 || turn.close) {
      break;
    }
    offset += turn.consumed;
  }
  return 0;
}
