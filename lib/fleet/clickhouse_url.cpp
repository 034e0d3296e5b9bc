#include "fleet/clickhouse_url.hpp"

#include <cctype>

namespace scanscope {

namespace {

bool is_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

bool is_host(const std::string& s) {
  if (s.empty()) {
    return false;
  }
  if (s.front() == '[') {  // an IPv6 literal
    return s.back() == ']' && s.size() > 2;
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string parse_clickhouse_url(const std::string& text, clickhouse_url& out) {
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string::npos) {
    return "'" + text + "' is not a URL (expected http://HOST:PORT/?database=NAME)";
  }
  const std::string scheme = text.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return "scheme '" + scheme + "' is not http or https";
  }
  const size_t authority_start = scheme_end + 3;
  const size_t path_start = text.find_first_of("/?", authority_start);
  std::string authority = text.substr(authority_start, path_start == std::string::npos
                                                           ? std::string::npos
                                                           : path_start - authority_start);
  std::string credentials;
  if (const size_t at = authority.rfind('@'); at != std::string::npos) {
    credentials = authority.substr(0, at + 1);
    authority = authority.substr(at + 1);
  }
  std::string host = authority;
  if (const size_t colon = authority.rfind(':');
      colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    host = authority.substr(0, colon);
    const std::string port = authority.substr(colon + 1);
    unsigned long n = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || n > 65535) {
        return "port '" + port + "' is not a number 1-65535";
      }
      n = n * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port.empty() || n == 0 || n > 65535) {
      return "port '" + port + "' is not a number 1-65535";
    }
  }
  if (!is_host(host)) {
    return "'" + host + "' is not a host name or address";
  }
  std::string database = "scanscope";
  if (path_start != std::string::npos) {
    const size_t query = text.find('?', path_start);
    const std::string path = text.substr(path_start, query == std::string::npos
                                                         ? std::string::npos
                                                         : query - path_start);
    if (!path.empty() && path != "/") {
      return "path '" + path + "': the HTTP interface is at '/'";
    }
    if (query != std::string::npos) {
      size_t at = query + 1;
      while (at <= text.size()) {
        const size_t amp = text.find('&', at);
        const std::string item =
            text.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
        const size_t eq = item.find('=');
        const std::string name = item.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
        if (name == "database") {
          if (!is_identifier(value)) {
            return "database '" + value + "' is not a name (letters, digits, '_')";
          }
          database = value;
        } else if (!item.empty()) {
          return "parameter '" + name + "' is not known (only 'database')";
        }
        if (amp == std::string::npos) {
          break;
        }
        at = amp + 1;
      }
    }
  }
  out.endpoint = scheme + "://" + credentials + authority + "/";
  out.database = database;
  const size_t colon = credentials.find(':');
  out.shown = scheme + "://" +
              (credentials.empty() ? ""
               : colon == std::string::npos ? credentials
                                            : credentials.substr(0, colon) + ":***@") +
              authority + "/?database=" + database;
  return {};
}

}  // namespace scanscope
