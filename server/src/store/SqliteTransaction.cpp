#include "store/SqliteTransaction.h"

#include <sqlite3.h>

#include "store/SqliteStatement.h"

namespace parley::store {

SqliteTransaction::SqliteTransaction(sqlite3* db) : db_(db) {
  execSql(db_, "BEGIN IMMEDIATE");
  open_ = true;
}

SqliteTransaction::~SqliteTransaction() {
  // Some errors (e.g. SQLITE_FULL) already roll back; autocommit tells us whether a
  // transaction is still open so we never issue ROLLBACK against nothing.
  if (open_ && sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void SqliteTransaction::commit() {
  execSql(db_, "COMMIT");
  open_ = false;
}

}  // namespace parley::store
