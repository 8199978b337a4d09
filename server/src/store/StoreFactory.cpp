#include "store/StoreFactory.h"

#include "store/PostgresStore.h"
#include "store/SqliteStore.h"

namespace parley::store {

std::string StoreLocation::describe() const {
  if (!isPostgres()) return sqlitePath;
  // postgresql://user:password@host:port/db?… → postgresql://host:port/db
  const std::size_t scheme = postgresUrl.find("://");
  std::string rest = scheme == std::string::npos ? postgresUrl : postgresUrl.substr(scheme + 3);
  if (const std::size_t at = rest.find('@'); at != std::string::npos) rest = rest.substr(at + 1);
  if (const std::size_t query = rest.find('?'); query != std::string::npos) rest.resize(query);
  return "postgresql://" + rest;
}

std::unique_ptr<Store> openStore(const StoreLocation& location) {
  if (location.isPostgres()) {
    return std::make_unique<PostgresStore>(location.postgresUrl, location.nodeId);
  }
  return std::make_unique<SqliteStore>(location.sqlitePath);
}

}  // namespace parley::store
