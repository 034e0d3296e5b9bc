#pragma once
/**
 * @file
 * One INSERT over ClickHouse's HTTP interface (libcurl): the statement in the query string,
 * the rows in the body. Tells a server that could not be reached from one that answered with
 * an error, and keeps the server's own message.
 */

#include <string>

#include "fleet/clickhouse_url.hpp"

namespace scanscope {

struct insert_result {
  bool ok = false;
  bool reached = false; /**< the server answered (an HTTP status came back) */
  long status = 0;      /**< HTTP status when reached */
  std::string message;  /**< the server's error text, or the transport's */
};

class clickhouse_client {
 public:
  /** @param timeout_s longest one request may take, connection included */
  clickhouse_client(clickhouse_url url, double timeout_s);
  ~clickhouse_client();
  clickhouse_client(const clickhouse_client&) = delete;
  clickhouse_client& operator=(const clickhouse_client&) = delete;

  /** INSERT INTO database.table FORMAT TabSeparated, with `rows` as its data. */
  insert_result insert(const std::string& table, const std::string& rows);

 private:
  clickhouse_url url_;
  double timeout_s_;
  void* handle_;  // CURL*, reused so connections are kept alive
};

}  // namespace scanscope
