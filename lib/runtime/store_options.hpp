#pragma once
/**
 * @file
 * Options of the source store (docs/sources.md): where it lives, how many sources it keeps, and
 * how many (port, source) arrivals each bucket lists per RX lcore for it and the fleet store.
 */

#include <cstdint>
#include <string>
#include <utility>

namespace boost::program_options {
class options_description;
}

namespace scanscope {

struct store_options {
  /** --source-store as given: a file; "" or "none": no store */
  std::string path;
  uint64_t max_sources = 10000000; /**< --source-store-max */
  unsigned arrivals = 262144;      /**< --bucket-sources: listed per bucket and RX lcore */
  std::string sources_out;         /**< --sources-out: a list written after an offline run */
  std::string sources_query;       /**< --sources-query: which sources, and in what form */

  bool enabled() const { return !path.empty() && path != "none"; }
};

/** The "Source store" option group, writing into `s`. */
boost::program_options::options_description source_store_options(store_options& s);

/** Check the values. @return empty, or {option name, message} */
std::pair<std::string, std::string> check_store(const store_options& s, bool offline);

}  // namespace scanscope
