#include "export/campaign_text.hpp"

#include <cstdio>
#include <iterator>

#include "export/summary_table.hpp"
#include "export/value_words.hpp"
#include "fingerprint/scan_tool.hpp"

namespace scanscope {

namespace {

std::string utc_of(const run_report& names, int64_t bucket) {
  return format_utc(static_cast<uint64_t>(bucket) * names.bucket_ns);
}

std::string what_of(const run_report& names, const watched_ports& ports, const campaign& c) {
  // What follows the port, per scope (in SCANSCOPE_CAMPAIGN_SCOPES order).
  static constexpr const char* before_value[] = {
      nullptr,     " from ",           " cluster ",
      " tool ",    " signature ",      " new tool (no built-in rule) with fingerprint ",
      " from AS ", " tool by payload "};
  static_assert(std::size(before_value) == campaign_scope_count);
  std::string what = port_label(ports, c.port);
  if (const char* joint = before_value[static_cast<size_t>(c.scope)]) {
    what += joint + scope_value(names, c.scope, c.port, c.dim);
  }
  return what;
}

}  // namespace

std::string ratio_text(double ratio, double median) {
  char text[128];
  if (median >= 1) {
    std::snprintf(text, sizeof text, "%.1f times the median of %.1f packets a bucket", ratio,
                  median);
  } else {
    std::snprintf(text, sizeof text,
                  "%.0f times one packet (the buckets before have a median of %.1f packets)",
                  ratio, median);
  }
  return text;
}

std::string port_label(const watched_ports& ports, uint16_t index) {
  if (index == watched_ports::other_index || index > ports.size()) {
    return "other";
  }
  return std::to_string(ports.at(index).port) + "/" + transport_name(ports.at(index).proto);
}

std::string scope_value(const run_report& names, campaign_scope scope, uint16_t port,
                        uint32_t dim) {
  const report_names words{names};
  if (scope == campaign_scope::port) {
    return "";
  }
  if (scope == campaign_scope::port_country) {
    return words.country(dim);
  }
  const series_dimension* d = dimension_of_scope(scope);
  return d != nullptr ? value_words(words, d->form, port, dim) : "?";
}

std::string leader_name(const run_report& names, lead_dimension d, uint32_t index) {
  const series_dimension* of = dimension_of_lead(d);
  return of != nullptr ? value_words(report_names{names}, of->form, 0, index)
                       : report_names{names}.country(index);
}

std::string describe_campaign(const run_report& names, const watched_ports& ports,
                              const campaign& c, bool opened) {
  char line[512];
  if (opened) {
    std::snprintf(line, sizeof line, "campaign on %s started %s (%s: %s)",
                  what_of(names, ports, c).c_str(), utc_of(names, c.start).c_str(),
                  c.ramp ? "rising trend" : "step",
                  ratio_text(c.peak_ratio, c.baseline.median).c_str());
  } else {
    std::snprintf(line, sizeof line,
                  "campaign on %s from %s ended %s (peak %.1f times at %s, %llu packets)",
                  what_of(names, ports, c).c_str(), utc_of(names, c.start).c_str(),
                  utc_of(names, c.end).c_str(), c.peak_ratio, utc_of(names, c.peak).c_str(),
                  static_cast<unsigned long long>(c.packets));
  }
  return line;
}

std::string describe_lead_change(const run_report& names, const watched_ports& ports,
                                 const lead_change& l) {
  return port_label(ports, l.port) + ": " + lead_dimension_name(l.dimension) + " " +
         leader_name(names, l.dimension, l.to) + " leads from " + utc_of(names, l.bucket) +
         " (was " + leader_name(names, l.dimension, l.from) + ")";
}

}  // namespace scanscope
