#include "export/console_assets.hpp"

#include <utility>

#include "common/file_text.hpp"

namespace scanscope {

console_assets::console_assets(const std::string& chart_js) {
  if (std::optional<std::string> text = read_file(chart_js)) {
    chart_js_ = std::move(*text);
  }
}

std::optional<http_response> console_assets::answer(const std::string& path) const {
  std::string name;
  if (path == "/" || path == "/ui" || path == "/ui/") {
    name = "index.html";
  } else if (path.rfind("/ui/", 0) == 0) {
    name = path.substr(4);
  } else {
    return std::nullopt;
  }
  if (name == "chart.js") {
    if (chart_js_.empty()) {
      return http_response{404, "text/plain; charset=utf-8",
                           std::string("the chart library is not installed: ") + chart_js_path +
                               " (Debian package libjs-chart.js)\n"};
    }
    return http_response{200, "text/javascript; charset=utf-8", chart_js_};
  }
  for (size_t i = 0; i < console_file_count; ++i) {
    if (name == console_files[i].name) {
      return http_response{
          200, console_files[i].content_type,
          std::string(reinterpret_cast<const char*>(console_files[i].data), console_files[i].size)};
    }
  }
  return http_response{404, "text/plain; charset=utf-8", "not found: " + path + "\n"};
}

}  // namespace scanscope
