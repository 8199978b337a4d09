#pragma once

#include <span>

#include "store/Migrations.h"

namespace parley::store {

class PgConnection;

// The PostgreSQL schema's history, oldest first, append only (as for SQLite). Its first
// entry is the whole schema SQLite reached in its eight steps, plus what several nodes
// sharing one database need: which node owns an open subject or a recording, and leases
// on outbox rows.
std::span<const Migration> postgresMigrations();

// The version recorded in parley_schema_version (0 when the table or its row is missing).
int readPostgresVersion(PgConnection& connection);

// Brings the database up to the last entry of `migrations`, each step in its own
// transaction with its version bump, under an advisory lock, so nodes starting together
// migrate once and the others wait, then see the new version. Throws StoreError if the database is
// newer than the list, or at version 0 but already holding tables in its schema (not a Parley
// database).
void applyPostgresMigrations(PgConnection& connection, std::span<const Migration> migrations);

}  // namespace parley::store
