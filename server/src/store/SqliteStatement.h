#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace parley::store {

// Throws StoreError "<context>: <sqlite's message for db's last error>" (just the message
// when context is empty).
[[noreturn]] void throwSqliteError(sqlite3* db, std::string_view context);

// Runs SQL text without parameters (schema, pragmas, BEGIN/COMMIT); may hold several
// statements. Never pass values through here: values go through SqliteStatement::bind.
void execSql(sqlite3* db, const char* sql);

// One prepared statement, finalized on destruction. Errors throw StoreError.
// Bind indexes and column numbers follow SQLite: parameters from 1, columns from 0.
class SqliteStatement {
 public:
  // Prepares exactly one statement; trailing SQL is a programming error and throws.
  SqliteStatement(sqlite3* db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, std::string_view value);
  // Without this a string literal would pick the bool overload.
  SqliteStatement& bind(int index, const char* value) {
    return bind(index, std::string_view(value));
  }
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind(int index, bool value);

  // True when a row is ready to read; false when the statement has finished.
  bool step();
  // Steps to completion, for statements that return no rows.
  void run();

  std::string columnText(int column) const;
  std::int64_t columnInt64(int column) const;

  // Ends the current execution and clears the bindings. A statement left mid-result
  // keeps its read transaction open, which would pin an old WAL snapshot for every later
  // query on the connection and block checkpoints — so reset after each use.
  void reset() noexcept;

  // Rows changed by the connection's most recent INSERT/UPDATE/DELETE.
  int changes() const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace parley::store
