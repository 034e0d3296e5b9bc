#include "fleet/clickhouse_client.hpp"

#include <curl/curl.h>

#include <mutex>

namespace scanscope {

namespace {

size_t collect(char* data, size_t size, size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  // The server's message is enough to tell what is wrong; keep it short for the log.
  if (out->size() < 4096) {
    out->append(data, std::min(size * count, 4096 - out->size()));
  }
  return size * count;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

}  // namespace

clickhouse_client::clickhouse_client(clickhouse_url url, double timeout_s)
    : url_(std::move(url)), timeout_s_(timeout_s) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  handle_ = curl_easy_init();
}

clickhouse_client::~clickhouse_client() {
  if (handle_ != nullptr) {
    curl_easy_cleanup(static_cast<CURL*>(handle_));
  }
}

insert_result clickhouse_client::insert(const std::string& table, const std::string& rows) {
  insert_result r;
  CURL* curl = static_cast<CURL*>(handle_);
  if (curl == nullptr) {
    r.message = "libcurl could not be initialised";
    return r;
  }
  const std::string statement =
      "INSERT INTO " + url_.database + "." + table + " FORMAT TabSeparated";
  char* escaped = curl_easy_escape(curl, statement.c_str(), static_cast<int>(statement.size()));
  const std::string target = url_.endpoint + "?query=" + escaped;
  curl_free(escaped);
  std::string answer;
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rows.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(rows.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_s_ * 1000 / 2));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_s_ * 1000));
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    r.message = curl_easy_strerror(code);
    return r;
  }
  r.reached = true;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  r.ok = r.status == 200;
  if (!r.ok) {
    r.message = trimmed(answer);
  }
  return r;
}

}  // namespace scanscope
