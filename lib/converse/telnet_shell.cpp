#include "converse/telnet_shell.hpp"

#include <cstring>
#include <string_view>

#include "converse/shell_indicators.hpp"

namespace scanscope {

namespace {

constexpr uint8_t iac = 255;
constexpr uint8_t sb = 250;
constexpr uint8_t se = 240;
constexpr size_t max_line = 512;
constexpr size_t max_user = 32;

constexpr std::string_view login_prompt = "\r\nlogin: ";
constexpr std::string_view password_prompt = "Password: ";
constexpr std::string_view shell_banner =
    "\r\n\r\nBusyBox v1.19.4 (2014-05-23 10:59:10 CST) built-in shell (ash)\r\n"
    "Enter 'help' for a list of built-in commands.\r\n\r\n# ";
constexpr std::string_view shell_prompt = "# ";

enum class phase : uint8_t { user, password, shell };

/** What the conversation's state block holds. */
struct telnet_state {
  phase at;
  bool after_cr; /**< the last line ended with a CR the segment ended on: its LF may follow */
  uint8_t user_length;
  char user[max_user];
};
static_assert(sizeof(telnet_state) <= max_state_bytes, "telnet's state fits its block");

void put(std::string_view text, uint8_t* answer, emulation_turn& turn) {
  std::memcpy(answer, text.data(), text.size());
  turn.answer_length = text.size();
}

}  // namespace

emulation_turn greet_telnet(const emulation_context& context, uint8_t* answer) {
  (void)context;
  emulation_turn turn;
  put(login_prompt, answer, turn);
  return turn;
}

emulation_turn answer_telnet(const emulation_context& context, const uint8_t* data, size_t length,
                             uint8_t* answer) {
  emulation_turn turn;
  auto& state = *reinterpret_cast<telnet_state*>(context.state);
  if (state.after_cr && length != 0 && (data[0] == '\n' || data[0] == '\0')) {
    // The rest of the last line's end, come in a segment of its own.
    state.after_cr = false;
    turn.consumed = 1;
    return turn;
  }
  state.after_cr = false;
  // The line, without IAC sequences, up to its end: "\r\n", "\r\0" or "\n".
  char line[max_line];
  size_t n = 0;
  size_t at = 0;
  bool whole = false;
  while (at < length) {
    const uint8_t c = data[at];
    if (c == iac) {
      if (at + 1 >= length) {
        return turn;  // the rest of the sequence is still coming
      }
      const uint8_t command = data[at + 1];
      if (command == iac) {
        at += 2;  // an escaped 255: not text a shell would take
        continue;
      }
      if (command == sb) {
        const uint8_t* end =
            static_cast<const uint8_t*>(memmem(data + at, length - at, "\xff\xf0", 2));
        if (end == nullptr) {
          return turn;
        }
        at = static_cast<size_t>(end - data) + 2;
        continue;
      }
      at += command >= 251 && command <= 254 ? 3 : 2;  // WILL/WONT/DO/DONT take an option
      continue;
    }
    ++at;
    if (c == '\n' || c == '\r') {
      if (c == '\r' && at < length && (data[at] == '\n' || data[at] == '\0')) {
        ++at;
      } else if (c == '\r' && at == length) {
        state.after_cr = true;
      }
      whole = true;
      break;
    }
    if (n < sizeof line) {
      line[n++] = static_cast<char>(c);
    }
  }
  if (!whole) {
    // Negotiation alone is taken as it comes; text waits for its line's end.
    if (n == 0 && at > 0 && at <= length) {
      turn.consumed = at;
    } else if (length >= max_request_bytes) {
      turn.fail(conversation_counter::emulation_too_large);
      turn.consumed = length;
      turn.close = true;
    }
    return turn;
  }
  (void)se;
  turn.consumed = at;
  const std::string_view text(line, n);
  switch (state.at) {
    case phase::user:
      if (n == 0) {
        put(login_prompt.substr(2), answer, turn);  // an empty name: asked again
        return turn;
      }
      state.user_length = static_cast<uint8_t>(std::min(n, max_user));
      std::memcpy(state.user, line, state.user_length);
      state.at = phase::password;
      put(password_prompt, answer, turn);
      return turn;
    case phase::password: {
      char pair[emulated_indicator::max_text];
      size_t k = state.user_length;
      std::memcpy(pair, state.user, k);
      pair[k++] = ':';
      const size_t p = std::min(n, sizeof pair - k);
      std::memcpy(pair + k, line, p);
      turn.add_indicator(indicator_kind::credential, {pair, k + p});
      turn.add_step(emulated_step::telnet_login);
      state.at = phase::shell;
      put(shell_banner, answer, turn);
      return turn;
    }
    case phase::shell:
      if (text == "exit" || text == "logout") {
        turn.close = true;
        turn.answer_length = 0;
        turn.consumed = at;
        return turn;
      }
      if (!text.empty()) {
        turn.add_step(emulated_step::telnet_shell);
        if (note_shell_command(text, turn)) {
          turn.add_step(emulated_step::telnet_download);
        }
      }
      put(shell_prompt, answer, turn);
      return turn;
  }
  return turn;
}

}  // namespace scanscope
