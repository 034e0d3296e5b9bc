#include "converse/telnet_shell.hpp"

#include <cstring>
#include <string_view>

#include "converse/shell_indicators.hpp"

namespace scanscope {

namespace {

constexpr uint8_t iac = 255;
constexpr uint8_t sb = 250;
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

namespace {

/** A line as read: its text without IAC sequences, and how far the input was read. */
struct telnet_line {
  char text[max_line];
  size_t length = 0;
  size_t read = 0;     /**< bytes of the input taken (0: a sequence or line still arriving) */
  bool whole = false;  /**< the line's end came ("\r\n", "\r\0" or "\n") */
};

/** Read the line at the start of `data`, dropping IAC sequences. */
telnet_line read_line(const uint8_t* data, size_t length, telnet_state& state) {
  telnet_line l;
  size_t at = 0;
  while (at < length) {
    const uint8_t c = data[at];
    if (c == iac) {
      if (at + 1 >= length) {
        return l;  // the rest of the sequence is still coming
      }
      const uint8_t command = data[at + 1];
      if (command == sb) {
        const uint8_t* end =
            static_cast<const uint8_t*>(memmem(data + at, length - at, "\xff\xf0", 2));
        if (end == nullptr) {
          return l;
        }
        at = static_cast<size_t>(end - data) + 2;
      } else {
        // An escaped 255 is no text a shell would take; WILL/WONT/DO/DONT take an option.
        const size_t size = command >= 251 && command <= 254 ? 3 : 2;
        if (at + size > length) {
          return l;  // its option byte is still coming
        }
        at += size;
      }
      l.read = l.length == 0 ? at : l.read;  // negotiation alone is taken as it comes
      continue;
    }
    ++at;
    if (c == '\n' || c == '\r') {
      if (c == '\r' && at < length && (data[at] == '\n' || data[at] == '\0')) {
        ++at;
      } else if (c == '\r' && at == length) {
        state.after_cr = true;
      }
      l.whole = true;
      l.read = at;
      return l;
    }
    if (l.length < sizeof l.text) {
      l.text[l.length++] = static_cast<char>(c);
    }
  }
  if (l.length != 0) {
    l.read = 0;  // text waits for its line's end
  }
  return l;
}

/** The answer to a whole line, by the phase of the dialogue. */
void answer_line(const telnet_line& l, telnet_state& state, uint8_t* answer,
                 emulation_turn& turn) {
  const std::string_view text(l.text, l.length);
  switch (state.at) {
    case phase::user:
      if (text.empty()) {
        put(login_prompt.substr(2), answer, turn);  // an empty name: asked again
        return;
      }
      state.user_length = static_cast<uint8_t>(std::min(text.size(), max_user));
      std::memcpy(state.user, text.data(), state.user_length);
      state.at = phase::password;
      put(password_prompt, answer, turn);
      return;
    case phase::password: {
      char pair[emulated_indicator::max_text];
      size_t k = state.user_length;
      std::memcpy(pair, state.user, k);
      pair[k++] = ':';
      const size_t p = std::min(text.size(), sizeof pair - k);
      std::memcpy(pair + k, text.data(), p);
      turn.add_indicator(indicator_kind::credential, {pair, k + p});
      turn.add_step(emulated_step::telnet_login);
      state.at = phase::shell;
      put(shell_banner, answer, turn);
      return;
    }
    case phase::shell:
      if (text == "exit" || text == "logout") {
        turn.close = true;
        return;
      }
      if (!text.empty()) {
        turn.add_step(emulated_step::telnet_shell);
        if (note_shell_command(text, turn)) {
          turn.add_step(emulated_step::telnet_download);
        }
      }
      put(shell_prompt, answer, turn);
      return;
  }
}

}  // namespace

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
  const telnet_line l = read_line(data, length, state);
  turn.consumed = l.read;
  if (!l.whole) {
    if (l.read == 0 && length >= max_request_bytes) {
      turn.fail(conversation_counter::emulation_too_large);
      turn.consumed = length;
      turn.close = true;
    }
    return turn;
  }
  answer_line(l, state, answer, turn);
  return turn;
}

}  // namespace scanscope
