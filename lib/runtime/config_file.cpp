#include "runtime/config_file.hpp"

#include <cctype>
#include <fstream>

namespace scanscope {

namespace {

std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

size_t config_lines::line_of(std::string name, const std::string& value) const {
  name.erase(0, name.find_first_not_of('-'));
  for (size_t i = 0; i < settings.size(); ++i) {
    if (settings[i].first == name && (value.empty() || settings[i].second == value)) {
      return i + 1;
    }
  }
  return 0;
}

config_lines read_config_lines(const std::string& path) {
  config_lines out;
  std::ifstream in(path);
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    const std::string text = trimmed(line);
    const size_t eq = text.find('=');
    if (text.empty() || text[0] == '#' || text[0] == '[' || eq == std::string::npos) {
      out.settings.emplace_back();
      if (!text.empty() && text[0] != '#' && text[0] != '[' && out.error.empty()) {
        out.error = "'" + text + "' is not of the form 'name = value'";
        out.error_line = n;
      }
      continue;
    }
    out.settings.emplace_back(trimmed(text.substr(0, eq)), trimmed(text.substr(eq + 1)));
  }
  return out;
}

std::string eal_hint(const std::string& option, bool had_separator) {
  static const char* const eal[] = {"-l",
                                    "-c",
                                    "-n",
                                    "-a",
                                    "-b",
                                    "-m",
                                    "-r",
                                    "-d",
                                    "-v",
                                    "--lcores",
                                    "--vdev",
                                    "--no-huge",
                                    "--no-pci",
                                    "--in-memory",
                                    "--file-prefix",
                                    "--socket-mem",
                                    "--huge-dir",
                                    "--main-lcore",
                                    "--proc-type",
                                    "--iova-mode",
                                    "--log-level",
                                    "--allow",
                                    "--block",
                                    "--legacy-mem",
                                    "--single-file-segments",
                                    "--base-virtaddr",
                                    "--no-telemetry",
                                    "--no-shconf"};
  if (had_separator) {
    return {};
  }
  const std::string name = option.substr(0, option.find('='));
  for (const char* e : eal) {
    if (name == e) {
      return "; EAL arguments go before '--': scanscope " + name + " ... -- [OPTIONS]";
    }
  }
  return {};
}

std::string placeholder_in(const std::string& text) {
  for (size_t open = text.find('%'); open != std::string::npos; open = text.find('%', open + 1)) {
    const size_t close = text.find('%', open + 1);
    if (close == std::string::npos) {
      break;
    }
    bool name = true;
    for (size_t i = open + 1; i < close; ++i) {
      const char c = text[i];
      name = name && (std::isalpha(static_cast<unsigned char>(c)) || c == '_');
    }
    if (name) {
      return text.substr(open, close - open + 1);
    }
  }
  return {};
}

std::string placeholder_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    const std::string token = placeholder_in(line);
    if (!token.empty()) {
      return std::to_string(n) + ": '" + token + "'";
    }
  }
  return {};
}

}  // namespace scanscope
