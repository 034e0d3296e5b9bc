#include "converse/emulator.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "converse/adb_device.hpp"
#include "converse/claymore_api.hpp"
#include "converse/ethereum_node.hpp"
#include "converse/http_request.hpp"
#include "converse/telnet_shell.hpp"

namespace scanscope {

namespace {

// What a small embedded web server sends for its index page.
constexpr std::string_view index_page =
    "<html><head><title>Index</title></head><body><h1>It works</h1></body></html>\n";

/** Status line and headers, as Go's net/http (Geth's server) writes them. */
size_t write_head(uint8_t* answer, const char* status, const char* content_type, size_t body_length,
                  bool keep_alive, uint64_t time_ns) {
  const time_t seconds = static_cast<time_t>(time_ns / 1000000000ULL);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char date[40];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  const int n = std::snprintf(reinterpret_cast<char*>(answer), 512,
                              "HTTP/1.1 %s\r\nContent-Type: %s\r\nDate: %s\r\n"
                              "Content-Length: %zu\r\n%s\r\n",
                              status, content_type, date, body_length,
                              keep_alive ? "" : "Connection: close\r\n");
  return n > 0 ? static_cast<size_t>(n) : 0;
}

/** The head, then the body, into the answer; the body is moved behind the head. */
void put_http_answer(uint8_t* answer, const char* status, const char* content_type,
                     const char* body, size_t body_length, bool keep_alive,
                     const emulation_context& context, emulation_turn& turn) {
  if (context.read_only) {
    return;
  }
  uint8_t head[512];
  const size_t head_length =
      write_head(head, status, content_type, body_length, keep_alive, context.time_ns);
  if (head_length + body_length > max_answer_data) {
    turn.fail(conversation_counter::emulation_too_large);
    turn.close = true;
    return;
  }
  std::memmove(answer + head_length, body, body_length);
  std::memcpy(answer, head, head_length);
  turn.answer_length = head_length + body_length;
}

void answer_bad_request(const char* status, const emulation_context& context, uint8_t* answer,
                        emulation_turn& turn) {
  static constexpr std::string_view text = "bad request\n";
  turn.close = true;
  put_http_answer(answer, status, "text/plain; charset=utf-8", text.data(), text.size(), false,
                  context, turn);
}

emulation_turn answer_http(emulated_protocol protocol, const emulation_context& context,
                           const uint8_t* data, size_t length, uint8_t* answer) {
  emulation_turn turn;
  http_request request;
  switch (read_http_request(data, length, max_request_bytes, request)) {
    case http_read::incomplete:
      return turn;
    case http_read::malformed:
      turn.fail(conversation_counter::emulation_malformed_http);
      turn.consumed = length;
      answer_bad_request("400 Bad Request", context, answer, turn);
      return turn;
    case http_read::too_large:
      turn.fail(conversation_counter::emulation_too_large);
      turn.consumed = length;
      answer_bad_request("413 Request Entity Too Large", context, answer, turn);
      return turn;
    case http_read::complete:
      break;
  }
  turn.consumed = request.length;
  turn.close = !request.keep_alive;
  note_urls(request.target, turn);
  note_urls(request.body, turn);
  if (protocol == emulated_protocol::http) {
    turn.add_step(emulated_step::http_request);
    put_http_answer(answer, "200 OK", "text/html", index_page.data(), index_page.size(),
                    request.keep_alive, context, turn);
    return turn;
  }
  // Geth answers a plain GET with 200 and nothing (a health check), other methods but POST
  // with 405.
  if (request.method != "POST") {
    const bool get = request.method == "GET" && request.body.empty();
    put_http_answer(answer, get ? "200 OK" : "405 Method Not Allowed", "text/plain", "", 0,
                    request.keep_alive, context, turn);
    return turn;
  }
  // The JSON goes where the body will be; the head is written in front of it after.
  char body[max_answer_data];
  fixed_json_output out(body, sizeof body - 512);
  answer_ethereum_rpc(request.body, context, turn, out);
  if (out.overflowed()) {
    turn.fail(conversation_counter::emulation_too_large);
    static constexpr std::string_view too_long =
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"response too large"}})";
    put_http_answer(answer, "200 OK", "application/json", too_long.data(), too_long.size(),
                    request.keep_alive, context, turn);
    return turn;
  }
  body[out.length()] = '\n';  // Geth ends its answers with a newline
  put_http_answer(answer, "200 OK", "application/json", body, out.length() + 1, request.keep_alive,
                  context, turn);
  return turn;
}

bool ends_url(char c) {
  return c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == ';' || c == '|' ||
         c == '`' || c == ')' || c == '&' || c == '\\' || c == '}' || c == 127;
}

}  // namespace

void emulation_turn::add_indicator(indicator_kind kind, std::string_view text) {
  if (indicator_count == max_indicators) {
    ++indicators_dropped;
    return;
  }
  emulated_indicator& i = indicators[indicator_count++];
  i.kind = kind;
  i.length = static_cast<uint8_t>(std::min(text.size(), emulated_indicator::max_text));
  // Printable ASCII only, every other byte as '.' (as the event log writes payloads): the
  // text goes into JSON, events and the console as it is.
  for (size_t k = 0; k < i.length; ++k) {
    const auto c = static_cast<unsigned char>(text[k]);
    i.text[k] = c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '.';
  }
}

void note_urls(std::string_view text, emulation_turn& turn) {
  static constexpr std::string_view schemes[] = {"http://", "https://", "ftp://", "tftp://"};
  size_t at = 0;
  while (at < text.size()) {
    size_t found = std::string_view::npos;
    size_t scheme_length = 0;
    for (std::string_view s : schemes) {
      const size_t f = text.find(s, at);
      if (f < found) {
        found = f;
        scheme_length = s.size();
      }
    }
    if (found == std::string_view::npos) {
      return;
    }
    size_t end = found + scheme_length;
    while (end < text.size() && !ends_url(text[end])) {
      ++end;
    }
    // An attribute's value (xmlns="http://schemas.xmlsoap.org/...") names a schema, not a
    // download: every SOAP exploit carries two.
    const bool attribute = found >= 2 && text[found - 1] == '"' && text[found - 2] == '=';
    if (end > found + scheme_length && !attribute) {
      turn.add_indicator(indicator_kind::url, text.substr(found, end - found));
    }
    at = end;
  }
}

emulation_turn emulate_request(emulated_protocol protocol, const emulation_context& context,
                               const uint8_t* data, size_t length, uint8_t* answer) {
  switch (protocol) {
    case emulated_protocol::ethereum:
    case emulated_protocol::http:
      return answer_http(protocol, context, data, length, answer);
    case emulated_protocol::claymore:
      return answer_claymore(context, data, length, answer);
    case emulated_protocol::adb:
      return answer_adb(context, data, length, answer);
    case emulated_protocol::telnet:
      return answer_telnet(context, data, length, answer);
  }
  return {};
}

bool needs_state(emulated_protocol protocol) {
  return protocol == emulated_protocol::adb || protocol == emulated_protocol::telnet;
}

bool speaks_first(emulated_protocol protocol) {
  return protocol == emulated_protocol::telnet;
}

emulation_turn greet(emulated_protocol protocol, const emulation_context& context,
                     uint8_t* answer) {
  if (protocol == emulated_protocol::telnet) {
    return greet_telnet(context, answer);
  }
  return {};
}

void note_file(const uint8_t (&sha256)[32], std::string_view where, uint64_t size,
               emulation_turn& turn) {
  char hex[2 * sizeof sha256];
  static constexpr char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof sha256; ++i) {
    hex[2 * i] = digits[sha256[i] >> 4];
    hex[2 * i + 1] = digits[sha256[i] & 15];
  }
  turn.add_indicator(indicator_kind::file_sha256, {hex, sizeof hex});
  char name[emulated_indicator::max_text];
  const int n = std::snprintf(name, sizeof name, "%.*s %llu bytes",
                              static_cast<int>(std::min<size_t>(where.size(), 70)), where.data(),
                              static_cast<unsigned long long>(size));
  turn.add_indicator(indicator_kind::file_name,
                     {name, std::min(static_cast<size_t>(std::max(n, 0)), sizeof name - 1)});
}

}  // namespace scanscope
