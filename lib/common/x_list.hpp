#pragma once
/**
 * @file
 * Expanders for the project's X-macro lists (`X(name, help)`, `X(id, kind, ...)`): each list
 * is written once and made into an enum, its count and its tables of names and help texts.
 *
 *   enum class scan_tool : uint8_t { SCANSCOPE_SCAN_TOOLS(SCANSCOPE_X_ENUM) };
 *   inline constexpr size_t scan_tool_count = SCANSCOPE_SCAN_TOOLS(SCANSCOPE_X_COUNT) 0;
 *   constexpr const char* names[] = {SCANSCOPE_SCAN_TOOLS(SCANSCOPE_X_NAME)};
 *
 * Every list entry has at least two fields, so the variadic tail is never empty.
 */

#define SCANSCOPE_X_ENUM(name, ...) name,
#define SCANSCOPE_X_COUNT(name, ...) 1 +
#define SCANSCOPE_X_NAME(name, ...) #name,
/** The second field of `X(name, help)` lists. */
#define SCANSCOPE_X_HELP(name, help) help,
