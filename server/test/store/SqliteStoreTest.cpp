#include "store/SqliteStore.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "RawSqlite.h"
#include "StoreExpectations.h"
#include "TempDirectory.h"
#include "store/StoreError.h"

namespace parley::store {
namespace {

using namespace test;  // the helpers of StoreExpectations.h

class SqliteStoreTest : public ::testing::Test {
 protected:
  TempDirectory dir_;
  std::string path_ = dir_.file("parley.db");
};

// --- opening and schema versions ---

TEST_F(SqliteStoreTest, FreshFileGetsLatestSchemaVersionInWalMode) {
  {
    SqliteStore store(path_);
    EXPECT_GE(SqliteStore::latestSchemaVersion(), 1);
    EXPECT_EQ(store.schemaVersion(), SqliteStore::latestSchemaVersion());
  }
  RawSqlite raw(path_);
  EXPECT_EQ(raw.queryInt("PRAGMA user_version"), SqliteStore::latestSchemaVersion());
  // WAL is a property of the file, so the raw connection sees it too.
  EXPECT_EQ(raw.queryText("PRAGMA journal_mode"), "wal");
  EXPECT_TRUE(raw.hasTable("projects"));
  EXPECT_TRUE(raw.hasTable("sessions"));
}

TEST_F(SqliteStoreTest, InMemoryDatabaseWorks) {
  SqliteStore store(":memory:");
  EXPECT_EQ(store.schemaVersion(), SqliteStore::latestSchemaVersion());
  store.insertProject(makeProject("100"));
  ASSERT_TRUE(store.findProject("100").has_value());
  EXPECT_EQ(store.listProjects().size(), 1u);
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndVersion) {
  const Project project = makeProject("4711", "first-secret", 1234);
  {
    SqliteStore store(path_);
    store.insertProject(project);
    store.insertSession(makeSession("1_MX40NzExfn4", "4711"));
  }
  SqliteStore reopened(path_);
  EXPECT_EQ(reopened.schemaVersion(), SqliteStore::latestSchemaVersion());
  auto found = reopened.findProject("4711");
  ASSERT_TRUE(found.has_value());
  expectSameProject(*found, project);
  EXPECT_TRUE(reopened.findSession("1_MX40NzExfn4").has_value());
  EXPECT_EQ(reopened.countSessions("4711"), 1u);
}

TEST_F(SqliteStoreTest, RefusesDatabaseNewerThanThisBuild) {
  const int newer = SqliteStore::latestSchemaVersion() + 1;
  {
    RawSqlite raw(path_);
    ASSERT_TRUE(
        raw.exec("CREATE TABLE future (x); PRAGMA user_version = " + std::to_string(newer)));
  }
  const std::string message = storeErrorOf([&] { SqliteStore store(path_); });
  EXPECT_TRUE(contains(message, "newer"));
  EXPECT_TRUE(contains(message, std::to_string(newer)));
  EXPECT_TRUE(contains(message, path_));

  RawSqlite raw(path_);
  EXPECT_EQ(raw.queryInt("PRAGMA user_version"), newer);
  EXPECT_FALSE(raw.hasTable("projects"));
}

TEST_F(SqliteStoreTest, RefusesVersionZeroFileThatAlreadyHasTables) {
  // Someone pointed parley at another program's database: do not add our tables to it.
  {
    RawSqlite raw(path_);
    ASSERT_TRUE(raw.exec("CREATE TABLE projects (whatever TEXT)"));
  }
  const std::string message = storeErrorOf([&] { SqliteStore store(path_); });
  EXPECT_TRUE(contains(message, "not a Parley database"));

  RawSqlite raw(path_);
  EXPECT_EQ(raw.queryInt("PRAGMA user_version"), 0);
  EXPECT_FALSE(raw.hasTable("sessions"));
}

TEST_F(SqliteStoreTest, RefusesFileThatIsNotADatabase) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(4096, 'x');
  }
  const std::string message = storeErrorOf([&] { SqliteStore store(path_); });
  EXPECT_TRUE(contains(message, "not a database"));
}

TEST_F(SqliteStoreTest, RefusesPathInMissingDirectory) {
  const std::string message =
      storeErrorOf([&] { SqliteStore store(dir_.file("no-such-dir/parley.db")); });
  EXPECT_TRUE(contains(message, "no-such-dir"));
}

TEST_F(SqliteStoreTest, ConcurrentFirstOpensMigrateOnce) {
  // parleyd and the CLI may both create the file at the same moment.
  constexpr int kOpeners = 4;
  std::vector<std::thread> threads;
  std::vector<int> versions(kOpeners, -1);
  std::vector<std::string> errors(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      try {
        SqliteStore store(path_);
        versions[static_cast<std::size_t>(i)] = store.schemaVersion();
      } catch (const StoreError& e) {
        errors[static_cast<std::size_t>(i)] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kOpeners; ++i) {
    EXPECT_EQ(errors[static_cast<std::size_t>(i)], "");
    EXPECT_EQ(versions[static_cast<std::size_t>(i)], SqliteStore::latestSchemaVersion());
  }
}

// --- two processes on one file (CLI + daemon) ---

TEST_F(SqliteStoreTest, TwoInstancesOnOneFileSeeEachOthersWrites) {
  SqliteStore daemon(path_);
  SqliteStore cli(path_);

  cli.insertProject(makeProject("7", "v1"));
  // A found row leaves the query mid-result; the store must still not pin that snapshot.
  ASSERT_EQ(daemon.findProject("7")->secret, "v1");

  ASSERT_TRUE(cli.updateProjectSecret("7", "v2"));
  EXPECT_EQ(daemon.listProjects().at(0).secret, "v2");
  EXPECT_EQ(daemon.findProject("7")->secret, "v2");

  daemon.insertSession(makeSession("s", "7"));
  EXPECT_EQ(cli.countSessions("7"), 1u);
  EXPECT_TRUE(cli.findSession("s").has_value());

  // Each sees the other's duplicates too.
  EXPECT_THROW(daemon.insertProject(makeProject("7")), StoreError);
  EXPECT_THROW(cli.insertSession(makeSession("s", "7")), StoreError);
}

TEST_F(SqliteStoreTest, WaitsForAnotherWriterInsteadOfFailing) {
  SqliteStore store(path_);
  RawSqlite other(path_);
  ASSERT_TRUE(other.exec("BEGIN IMMEDIATE"));
  ASSERT_TRUE(
      other.exec("INSERT INTO projects (api_key, secret, name, created_at_ms) "
                 "VALUES ('held', 's', '', 1)"));

  const auto start = std::chrono::steady_clock::now();
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    other.exec("COMMIT");
  });
  // Blocks on the other connection's write lock until it commits (busy timeout).
  EXPECT_NO_THROW(store.insertProject(makeProject("mine")));
  const auto waited = std::chrono::steady_clock::now() - start;
  releaser.join();

  EXPECT_GE(waited, std::chrono::milliseconds(200));
  EXPECT_EQ(store.listProjects().size(), 2u);
}

}  // namespace
}  // namespace parley::store
