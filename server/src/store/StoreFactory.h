#pragma once

#include <memory>
#include <string>

#include "store/Store.h"

namespace parley::store {

// Where durable state lives: a PostgreSQL URL (shared by a cluster's nodes), else the
// SQLite file at `sqlitePath`.
struct StoreLocation {
  std::string postgresUrl;
  std::string sqlitePath;
  std::string nodeId;  // used with PostgreSQL

  bool isPostgres() const { return !postgresUrl.empty(); }
  // For logs: the SQLite path, or the PostgreSQL server without user and password.
  std::string describe() const;
};

// Opens a new Store instance (one per thread that uses it). Throws StoreError.
std::unique_ptr<Store> openStore(const StoreLocation& location);

}  // namespace parley::store
