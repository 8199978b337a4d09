#include "store/SqliteStatement.h"

#include <sqlite3.h>

#include <limits>

#include "store/StoreError.h"

namespace parley::store {

void throwSqliteError(sqlite3* db, std::string_view context) {
  std::string message(context);
  if (!message.empty()) message += ": ";
  message += db ? sqlite3_errmsg(db) : "out of memory";
  throw StoreError(message);
}

void execSql(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK) return;
  // sqlite3_exec's own message may differ from sqlite3_errmsg after its internal cleanup.
  std::string message = error ? error : sqlite3_errmsg(db);
  sqlite3_free(error);
  throw StoreError(message);
}

SqliteStatement::SqliteStatement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw StoreError("preparing SQL: statement too long");
  }
  const char* tail = nullptr;
  // PERSISTENT: these statements are cached for the life of the connection.
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, &tail);
  if (rc != SQLITE_OK) {
    throwSqliteError(db_, "preparing '" + std::string(sql) + "'");
  }
  if (stmt_ == nullptr)
    throw StoreError("preparing SQL: no statement in '" + std::string(sql) + "'");
  for (const char* p = tail; p != sql.data() + sql.size(); ++p) {
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
      sqlite3_finalize(stmt_);
      throw StoreError("preparing SQL: more than one statement in '" + std::string(sql) + "'");
    }
  }
}

SqliteStatement::~SqliteStatement() {
  sqlite3_finalize(stmt_);
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view value) {
  if (value.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw StoreError("binding text: value too long");
  }
  // An empty string_view may have a null data(), which SQLite would bind as NULL.
  const char* data = value.data() != nullptr ? value.data() : "";
  if (sqlite3_bind_text(stmt_, index, data, static_cast<int>(value.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    throwSqliteError(db_, "binding parameter " + std::to_string(index));
  }
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
    throwSqliteError(db_, "binding parameter " + std::to_string(index));
  }
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, bool value) {
  return bind(index, static_cast<std::int64_t>(value ? 1 : 0));
}

bool SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // The caller names the operation; SQLite's message ("UNIQUE constraint failed: …") is
  // the useful part, so no extra context here.
  throwSqliteError(db_, {});
}

void SqliteStatement::run() {
  while (step()) {
  }
}

std::string SqliteStatement::columnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  // column_bytes must follow column_text: the text conversion may change the size.
  int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(size));
}

std::int64_t SqliteStatement::columnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

void SqliteStatement::reset() noexcept {
  // reset repeats the last step's error code, which step() has already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int SqliteStatement::changes() const {
  return sqlite3_changes(db_);
}

}  // namespace parley::store
