#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace parley::store::test {

// A bare SQLite connection, so tests can craft files the store must cope with and look
// at what the store wrote without going through the code under test. (Tests of store/
// may use SQLite directly; nothing outside store/ does.)
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(db_);
      sqlite3_close(db_);
      throw std::runtime_error("open " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawSqlite() { sqlite3_close(db_); }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  sqlite3* handle() const { return db_; }

  // Returns false (and keeps the message) instead of throwing, so tests can expect failure.
  bool exec(const std::string& sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    lastError_ = error ? error : "";
    sqlite3_free(error);
    return rc == SQLITE_OK;
  }
  const std::string& lastError() const { return lastError_; }

  // The first column of the first row as an integer (0 when no row).
  std::int64_t queryInt(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      throw std::runtime_error("prepare " + sql + ": " + sqlite3_errmsg(db_));
    }
    std::int64_t value = 0;
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      throw std::runtime_error("step " + sql + ": " + sqlite3_errmsg(db_));
    }
    return value;
  }

  std::string queryText(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      throw std::runtime_error("prepare " + sql + ": " + sqlite3_errmsg(db_));
    }
    std::string value;
    if (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
      if (text) value = text;
    }
    sqlite3_finalize(statement);
    return value;
  }

  bool hasTable(const std::string& name) {
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db_, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", -1,
                       &statement, nullptr);
    sqlite3_bind_text(statement, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(statement) == SQLITE_ROW;
    sqlite3_finalize(statement);
    return found;
  }

 private:
  sqlite3* db_ = nullptr;
  std::string lastError_;
};

}  // namespace parley::store::test
