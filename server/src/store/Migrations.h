#pragma once

#include <span>

struct sqlite3;

namespace parley::store {

// One step of the schema's history. Entry i of a list has version i + 1.
struct Migration {
  int version;
  const char* description;
  const char* sql;  // may hold several statements; no values, no transaction control
};

// Throws StoreError when `version` is newer than `latest` (the last migration this build
// knows) or negative.
void checkSchemaVersion(int version, int latest);
// Throws StoreError unless entry i of `migrations` has version i + 1.
void checkMigrationOrder(std::span<const Migration> migrations);

// Parley's schema history, oldest first. Append only: a released entry never changes,
// because databases in the field have already run it.
std::span<const Migration> schemaMigrations();

// The schema version stored in PRAGMA user_version (0 for a new file).
int readUserVersion(sqlite3* db);

// Brings the database up to the last entry of `migrations`, each step in its own
// BEGIN IMMEDIATE transaction together with its user_version bump, so a failure leaves
// the database at the previous version and concurrent openers migrate only once.
// Throws StoreError if the database is newer than the list, or if it is at version 0
// but already holds tables (some other program's file, not an empty Parley database).
void applyMigrations(sqlite3* db, std::span<const Migration> migrations);

}  // namespace parley::store
