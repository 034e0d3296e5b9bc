#include "converse/claymore_api.hpp"

#include <nettle/sha2.h>
#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <string_view>

#include "common/text.hpp"
#include "converse/ethereum_node.hpp"
#include "converse/fixed_json_output.hpp"
#include "converse/shell_indicators.hpp"

namespace scanscope {

namespace {

using json_writer = rapidjson::Writer<fixed_json_output>;

// A six-GPU rig on an Ethereum pool, as miner_getstat1 lists it: version, minutes up, total
// hashrate;shares;rejected, per-GPU hashrates, the second coin's, temperatures;fans, pool,
// invalid shares and pool switches.
constexpr const char* rig_status[] = {"15.0 - ETH",
                                      "1742",
                                      "182724;4113;0",
                                      "30502;30457;30297;30481;30479;30505",
                                      "0;0;0",
                                      "off;off;off;off;off;off",
                                      "61;55;63;58;60;54;64;60;59;53;62;57",
                                      "eth-eu1.nanopool.org:9999",
                                      "0;0;0;0"};

bool is_control(std::string_view method) {
  return method == "miner_restart" || method == "miner_reboot" || method == "miner_file" ||
         method == "control_gpu";
}

bool is_status(std::string_view method) {
  return method == "miner_getstat1" || method == "miner_getstat2";
}

// Lines of a written file read for what they give away; the rest of a longer file is hashed
// only.
constexpr size_t file_lines_read = 8;

bool ends_with(std::string_view s, std::string_view tail) {
  if (s.size() < tail.size()) {
    return false;
  }
  for (size_t i = 0; i < tail.size(); ++i) {
    const char c = s[s.size() - tail.size() + i];
    if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != tail[i]) {
      return false;
    }
  }
  return true;
}

/** A config line's `-ewal WALLET[.worker or /worker]`: where the rig's mining pays. */
void note_wallet(std::string_view line, emulation_turn& turn) {
  const size_t at = line.find("-ewal");
  if (at == std::string_view::npos) {
    return;
  }
  size_t start = at + 5;
  while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) {
    ++start;
  }
  char address[43];
  if (ethereum_address(line.substr(start, 42), address)) {
    turn.add_indicator(indicator_kind::eth_etherbase, address);
  }
}

/**
 * miner_file's content: Claymore's remote manager writes the file (params[1], hex) beside the
 * miner, where a reboot.bat runs at the next restart and a config.txt sets the pool and the
 * wallet (CVE-2018-1000049). Read, never written: the file's hash and size, a script's lines as
 * commands with their URLs, a config's URLs and wallet.
 */
void note_file_content(std::string_view name, std::string_view hex, emulation_turn& turn) {
  uint8_t content[max_request_bytes / 2];
  const long decoded = decode_hex(hex, content, sizeof content);
  if (decoded < 0) {
    return;
  }
  const auto size = static_cast<size_t>(decoded);
  sha256_ctx sha;
  sha256_init(&sha);
  sha256_update(&sha, size, content);
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&sha, sizeof digest, digest);
  note_file(digest, name, size, turn);
  const bool script = ends_with(name, ".bat") || ends_with(name, ".cmd") || ends_with(name, ".sh");
  std::string_view text(reinterpret_cast<const char*>(content), size);
  for (size_t line = 0; line < file_lines_read && !text.empty(); ++line) {
    const size_t end = std::min(text.find('\n'), text.size());
    std::string_view l = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (script) {
      note_shell_command(l, turn);  // the command and its URLs
    } else {
      note_urls(l, turn);
      note_wallet(l, turn);
    }
  }
}

void note_command(const rapidjson::Document& d, std::string_view method, emulation_turn& turn) {
  // miner_file's params are [file name, hex content]: the name says what it meant to change
  // (a config.txt that points the rig at another wallet, or a reboot.bat that runs anything).
  char text[emulated_indicator::max_text];
  size_t n = std::min(method.size(), sizeof text);
  std::memcpy(text, method.data(), n);
  const auto params = d.FindMember("params");
  if (method == "miner_file" && params != d.MemberEnd() && params->value.IsArray() &&
      !params->value.Empty() && params->value[0].IsString() && n + 1 < sizeof text) {
    text[n++] = ' ';
    const size_t name = std::min<size_t>(params->value[0].GetStringLength(), sizeof text - n);
    std::memcpy(text + n, params->value[0].GetString(), name);
    n += name;
  }
  turn.add_indicator(indicator_kind::miner_command, {text, n});
  if (method == "miner_file" && params != d.MemberEnd() && params->value.IsArray() &&
      params->value.Size() >= 2 && params->value[0].IsString() && params->value[1].IsString()) {
    note_file_content({params->value[0].GetString(), params->value[0].GetStringLength()},
                      {params->value[1].GetString(), params->value[1].GetStringLength()}, turn);
  }
}

}  // namespace

emulation_turn answer_claymore(const emulation_context& context, const uint8_t* data, size_t length,
                               uint8_t* answer) {
  (void)context;
  emulation_turn turn;
  size_t start = 0;
  while (start < length && (data[start] == ' ' || data[start] == '\r' || data[start] == '\n')) {
    ++start;
  }
  if (start == length) {
    turn.consumed = length;  // blank lines between requests
    return turn;
  }
  char pool[6 * max_request_bytes];
  rapidjson::MemoryPoolAllocator<> allocator(pool, sizeof pool);
  rapidjson::Document d(&allocator);
  rapidjson::MemoryStream in(reinterpret_cast<const char*>(data + start), length - start);
  d.ParseStream<rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseIterativeFlag>(in);
  if (d.HasParseError()) {
    // Input that ran out mid-object is a request still arriving.
    if (d.GetErrorOffset() >= length - start && length < max_request_bytes) {
      return turn;
    }
    turn.fail(length >= max_request_bytes ? conversation_counter::emulation_too_large
                                          : conversation_counter::emulation_malformed_json);
    turn.consumed = length;
    turn.close = true;
    return turn;
  }
  turn.consumed = start + in.Tell();
  std::string_view method;
  if (d.IsObject()) {
    const auto m = d.FindMember("method");
    if (m != d.MemberEnd() && m->value.IsString()) {
      method = {m->value.GetString(), m->value.GetStringLength()};
    }
  }
  fixed_json_output out(reinterpret_cast<char*>(answer), max_answer_data);
  json_writer w(out);
  w.StartObject();
  w.Key("id");
  w.Int(0);  // Claymore answers id 0 whatever was asked
  w.Key("result");
  if (is_status(method)) {
    turn.add_step(emulated_step::miner_status);
    w.StartArray();
    for (const char* field : rig_status) {
      w.String(field);
    }
    w.EndArray();
  } else if (is_control(method)) {
    turn.add_step(emulated_step::miner_control);
    note_command(d, method, turn);
    w.Bool(true);
  } else {
    w.Null();
  }
  w.Key("error");
  w.Null();
  w.EndObject();
  out.Put('\n');
  turn.answer_length = out.length();
  return turn;
}

}  // namespace scanscope
