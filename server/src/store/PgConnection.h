#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "store/PgParams.h"
#include "store/PgResult.h"

struct pg_conn;

namespace parley::store {

// One libpq connection (the only place parleyd talks to libpq besides PgResult). Errors
// throw StoreError with PostgreSQL's message and SQLSTATE. A connection that broke is
// re-established before the next statement that is not inside a transaction; inside a
// transaction the statement fails instead, so no half of a transaction runs twice. After a
// failed reconnect, statements fail at once for a growing pause (1 s doubling to 30 s) so a
// PostgreSQL that is unreachable does not hold the calling thread for the connect timeout
// on every statement. Not thread-safe: one owner thread per instance.
class PgConnection {
 public:
  // `url` is a libpq connection URI or key=value string. parleyd's defaults (a 5 s
  // connect timeout, a 10 s statement timeout) apply unless the URL sets its own.
  explicit PgConnection(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement with $n parameters; its rows (none for commands).
  PgResult exec(std::string_view sql, const PgParams& params = {});
  // SQL text without parameters that may hold several statements (schema, BEGIN/COMMIT).
  void execScript(const char* sql);

  void begin();
  void commit();
  // Never throws: used on the error path.
  void rollback() noexcept;
  bool inTransaction() const { return inTransaction_; }

 private:
  void ensureConnected();
  [[noreturn]] void fail(std::string_view what, pg_result* result);

  pg_conn* conn_ = nullptr;
  bool inTransaction_ = false;
  std::chrono::steady_clock::time_point retryAt_{};
  std::chrono::seconds retryPause_{0};
};

}  // namespace parley::store
