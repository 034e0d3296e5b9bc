#pragma once
/**
 * @file
 * The browser console's files: its own page, script and style sheet (built into the binary
 * from lib/export/console/), and Chart.js as Debian's libjs-chart.js installs it, read once at
 * start. Served under `/` and `/ui/` by the endpoints, with a Content-Security-Policy that
 * allows only these scripts (see http_server.cpp).
 */

#include <cstddef>
#include <optional>
#include <string>

#include "export/http_server.hpp"

namespace scanscope {

/** One file built into the binary. */
struct embedded_file {
  const char* name;          /**< "app.js" */
  const char* content_type;  /**< "text/javascript; charset=utf-8" */
  const unsigned char* data; /**< its bytes */
  size_t size;               /**< how many */
};

extern const embedded_file console_files[];
extern const size_t console_file_count;

/** Where Debian's libjs-chart.js puts the library. */
inline constexpr const char* chart_js_path = "/usr/share/javascript/chart.js/chart.min.js";

class console_assets {
 public:
  /** Read the chart library (a missing one is served as 404: the page then shows tables). */
  explicit console_assets(const std::string& chart_js = chart_js_path);

  /**
   * The answer for `path` when it is the console's: `/`, `/ui/`, `/ui/index.html`,
   * `/ui/app.js`, `/ui/style.css`, `/ui/chart.js`; nothing for other paths.
   */
  std::optional<http_response> answer(const std::string& path) const;

  /** Whether the chart library was found. */
  bool has_charts() const { return !chart_js_.empty(); }

 private:
  std::string chart_js_;
};

}  // namespace scanscope
