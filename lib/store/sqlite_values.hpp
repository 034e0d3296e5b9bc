#pragma once
/**
 * @file
 * The few conversions between the store's C++ values and SQLite's: unsigned seconds as SQLite's
 * signed integers, strings bound and read as text (a NULL reads as empty).
 */

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace scanscope {

inline int64_t to_sql(uint64_t v) { return static_cast<int64_t>(v); }

inline void bind_text(sqlite3_stmt* s, int i, const std::string& text) {
  sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

inline std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t != nullptr ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace scanscope
