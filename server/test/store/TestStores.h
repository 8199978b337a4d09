#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "PostgresTestServer.h"
#include "RawSqlite.h"
#include "TempDirectory.h"
#include "store/PgConnection.h"
#include "store/PostgresStore.h"
#include "store/SqliteStore.h"

namespace parley::store::test {

enum class Backend { Sqlite, Postgres };

inline void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::Sqlite ? "SQLite" : "PostgreSQL");
}

inline std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::Sqlite ? "Sqlite" : "Postgres";
}

// One empty database of either kind for one test: a file in a temp dir, or a database of
// its own on the test PostgreSQL (dropped at the end). open() gives another Store on it,
// as another thread or node of parleyd would have.
class TestStores {
 public:
  explicit TestStores(Backend backend) : backend_(backend) {
    if (backend_ == Backend::Postgres) url_ = PostgresTestServer::instance().createDatabase(&name_);
  }
  ~TestStores() {
    if (backend_ == Backend::Postgres) PostgresTestServer::instance().dropDatabase(name_);
  }
  TestStores(const TestStores&) = delete;
  TestStores& operator=(const TestStores&) = delete;

  Backend backend() const { return backend_; }

  std::unique_ptr<Store> open(const std::string& nodeId = "node-a") const {
    if (backend_ == Backend::Sqlite) return std::make_unique<SqliteStore>(path_);
    return std::make_unique<PostgresStore>(url_, nodeId);
  }

  // Runs raw SQL on the database outside any Store: `sqlite` or `postgres` by backend.
  void exec(const std::string& sqlite, const std::string& postgres) const {
    if (backend_ == Backend::Sqlite) {
      RawSqlite raw(path_);
      ASSERT_TRUE(raw.exec(sqlite.c_str())) << sqlite;
    } else {
      PgConnection raw(url_);
      raw.execScript(postgres.c_str());
    }
  }

  // A trigger that makes inserting an outbox row for `url` fail, to test atomicity.
  void refuseOutboxUrl(const std::string& url) const {
    exec("CREATE TRIGGER refuse BEFORE INSERT ON callback_outbox WHEN NEW.url = '" + url +
             "' BEGIN SELECT RAISE(ABORT, 'refused'); END",
         "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
         "IF NEW.url = '" +
             url +
             "' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; "
             "CREATE TRIGGER refuse BEFORE INSERT ON callback_outbox FOR EACH ROW "
             "EXECUTE FUNCTION refuse()");
  }

  const std::string& sqlitePath() const { return path_; }
  const std::string& postgresUrl() const { return url_; }
  const std::string& postgresDatabase() const { return name_; }

 private:
  Backend backend_;
  TempDirectory dir_;
  std::string path_ = dir_.file("parley.db");
  std::string url_;
  std::string name_;
};

// Parameterised store tests: TEST_P bodies use stores_ and store_ (opened as "node-a").
class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  TestStores stores_{GetParam()};
  std::unique_ptr<Store> store_ = stores_.open();
};

#define PARLEY_STORE_BACKENDS(suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                             \
                           ::testing::Values(::parley::store::test::Backend::Sqlite,    \
                                             ::parley::store::test::Backend::Postgres), \
                           ::parley::store::test::backendName)

}  // namespace parley::store::test
