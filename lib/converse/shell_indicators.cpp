#include "converse/shell_indicators.hpp"

#include <string>

namespace scanscope {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

/** The word starting at `at`, and where the next one may start. */
std::string_view word_at(std::string_view s, size_t& at) {
  while (at < s.size() && is_space(s[at])) {
    ++at;
  }
  const size_t start = at;
  while (at < s.size() && !is_space(s[at]) && s[at] != ';' && s[at] != '|' && s[at] != '&') {
    ++at;
  }
  return s.substr(start, at - start);
}

/** The word after the last '/' ("/bin/busybox" -> "busybox"). */
std::string_view base_name(std::string_view w) {
  const size_t slash = w.rfind('/');
  return slash == std::string_view::npos ? w : w.substr(slash + 1);
}

bool is_download_tool(std::string_view w) {
  const std::string_view b = base_name(w);
  return b == "wget" || b == "curl" || b == "tftp" || b == "ftpget";
}

/** tftp's file and host ("tftp -g -l local -r remote 192.0.2.1") as a URL. */
void note_tftp(std::string_view line, size_t at, emulation_turn& turn) {
  std::string_view remote, host;
  while (at < line.size() && line[at] != ';' && line[at] != '|' && line[at] != '&') {
    const std::string_view w = word_at(line, at);
    if (w.empty()) {
      break;
    }
    if (w == "-r") {
      remote = word_at(line, at);
    } else if (w == "-l") {
      word_at(line, at);
    } else if (w.front() != '-') {
      host = w;
    }
  }
  if (!remote.empty() && !host.empty()) {
    std::string url = "tftp://";
    url.append(host).append(remote.front() == '/' ? "" : "/").append(remote);
    turn.add_indicator(indicator_kind::url, url);
  }
}

}  // namespace

bool note_shell_command(std::string_view line, emulation_turn& turn) {
  char text[emulated_indicator::max_text];
  size_t n = 0;
  bool space = false;
  for (char c : line) {
    if (is_space(c)) {
      space = n != 0;
      continue;
    }
    if (space && n < sizeof text) {
      text[n++] = ' ';
    }
    space = false;
    if (n < sizeof text) {
      // Control bytes as '.', as the event log writes payloads.
      text[n++] = static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '.' : c;
    }
  }
  if (n == 0) {
    return false;
  }
  turn.add_indicator(indicator_kind::shell_command, {text, n});
  note_urls(line, turn);
  // Each command of the line: "cd /tmp; busybox wget ..." downloads.
  bool download = false;
  size_t at = 0;
  bool command_start = true;
  while (at < line.size()) {
    if (line[at] == ';' || line[at] == '|' || line[at] == '&' || line[at] == '`' ||
        line[at] == '(') {
      command_start = true;
      ++at;
      continue;
    }
    const std::string_view w = word_at(line, at);
    if (w.empty()) {
      ++at;
      continue;
    }
    if (command_start || base_name(w) == "busybox") {
      if (is_download_tool(w)) {
        download = true;
        if (base_name(w) == "tftp") {
          note_tftp(line, at, turn);
        }
      }
    }
    command_start = base_name(w) == "busybox" || base_name(w) == "sudo";
  }
  return download;
}

}  // namespace scanscope
