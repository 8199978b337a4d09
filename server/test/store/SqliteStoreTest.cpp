#include "store/SqliteStore.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "RawSqlite.h"
#include "TempDirectory.h"
#include "store/StoreError.h"

namespace parley::store {
namespace {

using test::RawSqlite;
using test::TempDirectory;

Project makeProject(std::string apiKey, std::string secret = "s3cret", std::int64_t at = 1000) {
  return Project{std::move(apiKey), std::move(secret), "Project name", at};
}

SessionRecord makeSession(std::string sessionId, std::string apiKey) {
  SessionRecord session;
  session.sessionId = std::move(sessionId);
  session.apiKey = std::move(apiKey);
  session.createdAtMs = 5000;
  return session;
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// The message of the StoreError that `body` throws; fails the test if it does not throw.
template <typename Body>
std::string storeErrorOf(Body&& body) {
  try {
    body();
  } catch (const StoreError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected StoreError";
  return {};
}

void expectSameProject(const Project& actual, const Project& expected) {
  EXPECT_EQ(actual.apiKey, expected.apiKey);
  EXPECT_EQ(actual.secret, expected.secret);
  EXPECT_EQ(actual.name, expected.name);
  EXPECT_EQ(actual.createdAtMs, expected.createdAtMs);
  EXPECT_EQ(actual.videoCodec, expected.videoCodec);
}

void expectSameSession(const SessionRecord& actual, const SessionRecord& expected) {
  EXPECT_EQ(actual.sessionId, expected.sessionId);
  EXPECT_EQ(actual.apiKey, expected.apiKey);
  EXPECT_EQ(actual.properties.mediaMode, expected.properties.mediaMode);
  EXPECT_EQ(actual.properties.archiveMode, expected.properties.archiveMode);
  EXPECT_EQ(actual.properties.location, expected.properties.location);
  EXPECT_EQ(actual.properties.e2ee, expected.properties.e2ee);
  EXPECT_EQ(actual.properties.archiveName, expected.properties.archiveName);
  EXPECT_EQ(actual.properties.archiveResolution, expected.properties.archiveResolution);
  EXPECT_EQ(actual.properties.videoCodec, expected.properties.videoCodec);
  EXPECT_EQ(actual.createdAtMs, expected.createdAtMs);
}

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

// --- projects ---

TEST_F(SqliteStoreTest, InsertFindAndListProjects) {
  SqliteStore store(path_);
  EXPECT_TRUE(store.listProjects().empty());
  EXPECT_FALSE(store.findProject("1").has_value());

  const Project later = makeProject("2", "secret-two", 2000);
  const Project earlier = makeProject("1", "secret-one", 1000);
  store.insertProject(later);
  store.insertProject(earlier);

  auto found = store.findProject("2");
  ASSERT_TRUE(found.has_value());
  expectSameProject(*found, later);
  EXPECT_FALSE(store.findProject("3").has_value());

  const auto all = store.listProjects();
  ASSERT_EQ(all.size(), 2u);
  expectSameProject(all[0], earlier);  // oldest first
  expectSameProject(all[1], later);
}

TEST_F(SqliteStoreTest, TextValuesAreBoundNotSpliced) {
  SqliteStore store(path_);
  Project tricky{"k'1", "se'cr\"et", "O'Brien'); DROP TABLE projects; --", 1};
  store.insertProject(tricky);
  Project empty{"k2", "s", "", 2};  // empty name must be '' rather than NULL
  store.insertProject(empty);
  Project unicode{"k3", "s", "Réunion 🎥", 3};
  store.insertProject(unicode);

  expectSameProject(store.findProject("k'1").value(), tricky);
  expectSameProject(store.findProject("k2").value(), empty);
  expectSameProject(store.findProject("k3").value(), unicode);
  EXPECT_EQ(store.listProjects().size(), 3u);
}

TEST_F(SqliteStoreTest, UpdateProjectSecret) {
  SqliteStore store(path_);
  store.insertProject(makeProject("42", "old"));
  EXPECT_TRUE(store.updateProjectSecret("42", "new"));
  EXPECT_EQ(store.findProject("42")->secret, "new");
  EXPECT_EQ(store.findProject("42")->name, "Project name");

  EXPECT_FALSE(store.updateProjectSecret("43", "whatever"));
  EXPECT_FALSE(store.findProject("43").has_value());
  EXPECT_EQ(store.listProjects().size(), 1u);
}

TEST_F(SqliteStoreTest, ProjectVideoCodecIsStoredAndChanged) {
  SqliteStore store(path_);
  Project p = makeProject("42", "s");
  p.videoCodec = "vp9";
  store.insertProject(p);
  expectSameProject(store.findProject("42").value(), p);
  EXPECT_TRUE(store.updateProjectVideoCodec("42", "h264"));
  EXPECT_EQ(store.findProject("42")->videoCodec, "h264");
  EXPECT_EQ(store.listProjects().at(0).videoCodec, "h264");
  EXPECT_TRUE(store.updateProjectVideoCodec("42", ""));  // back to the server's default
  EXPECT_EQ(store.findProject("42")->videoCodec, "");
  EXPECT_FALSE(store.updateProjectVideoCodec("43", "vp8"));
  // The schema refuses names the code would not write.
  EXPECT_FALSE(storeErrorOf([&] { store.updateProjectVideoCodec("42", "theora"); }).empty());
  EXPECT_EQ(store.findProject("42")->videoCodec, "");
}

TEST_F(SqliteStoreTest, DuplicateProjectThrowsAndChangesNothing) {
  SqliteStore store(path_);
  const Project original = makeProject("42", "original", 1000);
  store.insertProject(original);

  const std::string message =
      storeErrorOf([&] { store.insertProject(makeProject("42", "intruder", 2000)); });
  EXPECT_TRUE(contains(message, "insertProject"));
  EXPECT_TRUE(contains(message, "UNIQUE"));

  expectSameProject(store.findProject("42").value(), original);
  EXPECT_EQ(store.listProjects().size(), 1u);

  // The cached statement was reset: the store keeps working after the error.
  store.insertProject(makeProject("43"));
  EXPECT_EQ(store.listProjects().size(), 2u);
}

// --- sessions ---

TEST_F(SqliteStoreTest, SessionRoundTripsAllFields) {
  SqliteStore store(path_);
  store.insertProject(makeProject("100"));

  SessionRecord routed = makeSession("2_routed", "100");
  routed.properties.mediaMode = core::MediaMode::Routed;
  routed.properties.archiveMode = core::ArchiveMode::Always;
  routed.properties.location = "10.1.2.3";
  routed.properties.e2ee = true;
  routed.properties.archiveName = "Weekly 'sync'";
  routed.properties.archiveResolution = "1280x720";
  routed.properties.videoCodec = "h264";
  routed.createdAtMs = 1'700'000'000'123;
  store.insertSession(routed);

  SessionRecord relayed = makeSession("1_relayed", "100");  // all defaults
  store.insertSession(relayed);

  expectSameSession(store.findSession("2_routed").value(), routed);
  expectSameSession(store.findSession("1_relayed").value(), relayed);
  EXPECT_FALSE(store.findSession("nope").has_value());

  RawSqlite raw(path_);
  EXPECT_EQ(raw.queryText("SELECT media_mode FROM sessions WHERE session_id = '2_routed'"),
            "routed");
  EXPECT_EQ(raw.queryText("SELECT archive_mode FROM sessions WHERE session_id = '1_relayed'"),
            "manual");
}

TEST_F(SqliteStoreTest, SessionWithUnknownApiKeyThrowsAndWritesNothing) {
  SqliteStore store(path_);
  store.insertProject(makeProject("100"));

  const std::string message =
      storeErrorOf([&] { store.insertSession(makeSession("orphan", "999")); });
  EXPECT_TRUE(contains(message, "insertSession"));
  EXPECT_TRUE(contains(message, "FOREIGN KEY"));

  EXPECT_FALSE(store.findSession("orphan").has_value());
  EXPECT_EQ(store.countSessions("999"), 0u);
  RawSqlite raw(path_);
  EXPECT_EQ(raw.queryInt("SELECT count(*) FROM sessions"), 0);
}

TEST_F(SqliteStoreTest, DuplicateSessionThrowsAndKeepsOriginal) {
  SqliteStore store(path_);
  store.insertProject(makeProject("100"));
  SessionRecord original = makeSession("s1", "100");
  original.properties.location = "first";
  store.insertSession(original);

  SessionRecord again = makeSession("s1", "100");
  again.properties.location = "second";
  const std::string message = storeErrorOf([&] { store.insertSession(again); });
  EXPECT_TRUE(contains(message, "UNIQUE"));

  expectSameSession(store.findSession("s1").value(), original);
  EXPECT_EQ(store.countSessions("100"), 1u);
}

TEST_F(SqliteStoreTest, CountSessionsPerProject) {
  SqliteStore store(path_);
  store.insertProject(makeProject("1"));
  store.insertProject(makeProject("2"));
  EXPECT_EQ(store.countSessions("1"), 0u);
  store.insertSession(makeSession("a", "1"));
  store.insertSession(makeSession("b", "1"));
  store.insertSession(makeSession("c", "2"));
  EXPECT_EQ(store.countSessions("1"), 2u);
  EXPECT_EQ(store.countSessions("2"), 1u);
  EXPECT_EQ(store.countSessions("3"), 0u);
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
