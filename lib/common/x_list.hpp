#pragma once
/**
 * @file
 * Expanders for the project's X-macro lists (`X(name, help)`, `X(id, kind, ...)`): each list
 * is written once and made into an enum, its count and its tables of names and help texts.
 *
 *   SCANSCOPE_ENUM_OF_LIST(scan_tool, SCANSCOPE_SCAN_TOOLS);   // enum class + scan_tool_count
 *   constexpr const char* names[] = {SCANSCOPE_SCAN_TOOLS(SCANSCOPE_X_NAME)};
 *
 * Every list entry has at least two fields, so the variadic tail is never empty.
 */

#include <cstddef>
#include <cstdint>
#include <string_view>

#define SCANSCOPE_X_ENUM(name, ...) name,
#define SCANSCOPE_X_COUNT(name, ...) 1 +
#define SCANSCOPE_X_NAME(name, ...) #name,
/** The second field of `X(name, help)` lists. */
#define SCANSCOPE_X_HELP(name, help) help,

/** Entry `i` of a name table made by SCANSCOPE_X_NAME or SCANSCOPE_X_HELP, or `otherwise`. */
template <size_t N>
constexpr const char* name_in(const char* const (&names)[N], size_t i,
                              const char* otherwise = "unknown") {
  return i < N ? names[i] : otherwise;
}

/** The entry of a name table named `name`, as an enum of its list: false when none is. */
template <typename Enum, size_t N>
constexpr bool named_in(const char* const (&names)[N], std::string_view name, Enum& out) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

/** `enum class type : uint8_t` with an entry per list item, and `type_count`. */
#define SCANSCOPE_ENUM_OF_LIST(type, list)              \
  enum class type : uint8_t { list(SCANSCOPE_X_ENUM) }; \
  inline constexpr size_t type##_count = list(SCANSCOPE_X_COUNT) 0
