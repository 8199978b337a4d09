#pragma once

struct sqlite3;

namespace parley::store {

// A write transaction, rolled back on destruction unless committed.
// BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so a
// transaction that first reads and then writes cannot fail half-way on lock upgrade when
// another process (parley CLI vs parleyd) writes to the same file.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(sqlite3* db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  void commit();

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace parley::store
