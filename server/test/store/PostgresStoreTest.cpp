// What only PostgresStore has: its own migrations, nodes sharing one database, and a
// server that can go away. The Store contract itself is tested on both stores
// (StoreProjectsTest, StoreCallbacksTest, StoreArchivesTest).
#include "store/PostgresStore.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "StoreExpectations.h"
#include "TestStores.h"
#include "store/PgConnection.h"
#include "store/StoreError.h"

namespace parley::store {
namespace {

using namespace test;  // the helpers of StoreExpectations.h

class PostgresStoreTest : public ::testing::Test {
 protected:
  TestStores stores_{Backend::Postgres};
  const std::string& url() const { return stores_.postgresUrl(); }
};

TEST_F(PostgresStoreTest, AFreshDatabaseGetsTheLatestSchemaAndKeepsItsData) {
  {
    PostgresStore store(url(), "n1");
    EXPECT_GE(PostgresStore::latestSchemaVersion(), 1);
    EXPECT_EQ(store.schemaVersion(), PostgresStore::latestSchemaVersion());
    store.insertProject(makeProject("42"));
  }
  PostgresStore again(url(), "n1");
  EXPECT_EQ(again.schemaVersion(), PostgresStore::latestSchemaVersion());
  expectSameProject(again.findProject("42").value(), makeProject("42"));
}

TEST_F(PostgresStoreTest, RefusesADatabaseNewerThanThisBuild) {
  { PostgresStore store(url(), "n1"); }
  stores_.exec("", "UPDATE parley_schema_version SET version = version + 1");
  const std::string message = storeErrorOf([&] { PostgresStore store(url(), "n1"); });
  EXPECT_TRUE(contains(message, "newer than this build"));
}

TEST_F(PostgresStoreTest, RefusesADatabaseThatHoldsSomethingElse) {
  stores_.exec("", "CREATE TABLE invoices (id integer)");
  const std::string message = storeErrorOf([&] { PostgresStore store(url(), "n1"); });
  EXPECT_TRUE(contains(message, "not a Parley database"));
  PgConnection raw(url());
  EXPECT_EQ(raw.exec("SELECT to_regclass('projects') IS NULL").boolean(0, 0), true)
      << "nothing was created";
}

TEST_F(PostgresStoreTest, NodesStartingTogetherMigrateOnce) {
  std::vector<std::thread> nodes;
  std::vector<std::string> errors(4);
  for (int i = 0; i < 4; ++i) {
    nodes.emplace_back([&, i] {
      try {
        PostgresStore store(url(), "n" + std::to_string(i));
        store.insertProject(makeProject("p" + std::to_string(i)));
      } catch (const StoreError& e) {
        errors[static_cast<std::size_t>(i)] = e.what();
      }
    });
  }
  for (auto& t : nodes) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  PostgresStore store(url(), "n9");
  EXPECT_EQ(store.listProjects().size(), 4u);
  EXPECT_EQ(store.schemaVersion(), PostgresStore::latestSchemaVersion());
}

TEST_F(PostgresStoreTest, NodesStartingTogetherShareOneSetting) {
  { PostgresStore migrated(url(), "n0"); }
  // Many rounds: two nodes inserting at the same moment is the race this is about.
  for (int round = 0; round < 10; ++round) {
    const std::string name = "url-signing-key-" + std::to_string(round);
    std::vector<std::thread> nodes;
    std::vector<std::string> values(4);
    std::vector<std::string> errors(4);
    for (int i = 0; i < 4; ++i) {
      nodes.emplace_back([&, i] {
        try {
          PostgresStore store(url(), "n" + std::to_string(i));
          values[static_cast<std::size_t>(i)] =
              store.settingOrInsert(name, "from-n" + std::to_string(i));
        } catch (const StoreError& e) {
          errors[static_cast<std::size_t>(i)] = e.what();
        }
      });
    }
    for (auto& t : nodes) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "");
    for (const auto& v : values) EXPECT_EQ(v, values[0]);
    EXPECT_TRUE(values[0].starts_with("from-n"));
  }
  // A node that comes later gets the first value, not its own.
  EXPECT_TRUE(
      PostgresStore(url(), "n9").settingOrInsert("url-signing-key-0", "x").starts_with("from-n"));
}

TEST_F(PostgresStoreTest, AnArchiveNamesTheNodeThatRecordsIt) {
  PostgresStore a(url(), "node-a");
  PostgresStore b(url(), "node-b");
  a.insertProject(makeProject("1234"));
  a.insertSession(makeSession("s1", "1234"));
  ArchiveRecord archive;
  archive.id = "arch-1";
  archive.apiKey = "1234";
  archive.sessionId = "s1";
  a.insertArchive(archive);
  EXPECT_EQ(b.findArchive("1234", "arch-1").value().nodeId, "node-a");
  EXPECT_EQ(b.listArchives("1234", "", 0, 10).items.at(0).nodeId, "node-a");
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsAClearError) {
  // Port 1 on loopback: nothing listens there.
  const std::string message =
      storeErrorOf([] { PostgresStore store("postgresql://parley@127.0.0.1:1/parley", "n1"); });
  EXPECT_TRUE(contains(message, "cannot connect to PostgreSQL"));
  EXPECT_TRUE(storeErrorOf([&] { PostgresStore store(url(), ""); }).find("node id") !=
              std::string::npos);
}

TEST_F(PostgresStoreTest, ReconnectsAfterTheServerCutsTheConnection) {
  PostgresStore store(url(), "n1");
  store.insertProject(makeProject("42"));
  PgConnection admin(url());
  admin.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  // The call that finds the connection gone fails; the next one reconnects.
  int failures = 0;
  std::optional<Project> found;
  for (int attempt = 0; attempt < 2 && !found; ++attempt) {
    try {
      found = store.findProject("42");
    } catch (const StoreError&) {
      ++failures;
    }
  }
  EXPECT_LE(failures, 1);
  ASSERT_TRUE(found);
  expectSameProject(*found, makeProject("42"));
}

TEST_F(PostgresStoreTest, AfterAFailedReconnectStatementsFailAtOnceUntilThePauseEnds) {
  PostgresStore store(url(), "n1");
  store.insertProject(makeProject("42"));
  PgConnection admin(PostgresTestServer::instance().adminUrl());
  const std::string db = stores_.postgresDatabase();
  admin.execScript(("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false").c_str());
  admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
             PgParams().add(db));
  // The backend ends soon after pg_terminate_backend returns: a statement or two may still
  // run, then one finds the connection gone, then the reconnect is refused.
  std::string refused;
  for (int i = 0; i < 50 && !contains(refused, "cannot reconnect"); ++i) {
    try {
      store.findProject("42");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } catch (const StoreError& e) {
      refused = e.what();
    }
  }
  ASSERT_TRUE(contains(refused, "cannot reconnect to PostgreSQL")) << refused;
  // Within the pause the store does not try again: it says so.
  const std::string paused = storeErrorOf([&] { store.findProject("42"); });
  EXPECT_TRUE(contains(paused, "unreachable (retrying shortly)")) << paused;
  admin.execScript(("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true").c_str());
  std::optional<Project> found;
  for (int i = 0; i < 60 && !found; ++i) {
    try {
      found = store.findProject("42");
    } catch (const StoreError&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_TRUE(found) << "reconnected once the pause was over";
}

TEST_F(PostgresStoreTest, EachNodeClosesOutOnlyItsOwnOpenSubjects) {
  PostgresStore a(url(), "node-a");
  PostgresStore b(url(), "node-b");
  a.insertProject(makeProject("1234"));
  a.enqueueAndOpen({}, OpenSubject{"connection", "s1", "ca", "1234", "{}", 1, ""});
  b.enqueueAndOpen({}, OpenSubject{"connection", "s1", "cb", "1234", "{}", 2, ""});
  ASSERT_EQ(a.openSubjects(10).size(), 1u);
  EXPECT_EQ(a.openSubjects(10).at(0).id, "ca");
  EXPECT_EQ(b.openSubjects(10).at(0).id, "cb");
  // A node sends the "destroyed" event only of a subject it holds.
  EXPECT_FALSE(a.enqueueAndClose({}, "connection", "s1", "cb"));
  EXPECT_EQ(b.openSubjects(10).size(), 1u);
}

TEST_F(PostgresStoreTest, ASubjectMovesToAnotherNodeOnlyWithItsProof) {
  PostgresStore a(url(), "node-a");
  PostgresStore b(url(), "node-b");
  PostgresStore c(url(), "node-c");
  a.insertProject(makeProject("1234"));
  OutboxEntry created;
  created.apiKey = "1234";
  created.url = "http://created/";
  created.body = "{}";
  created.nextAttemptAtMs = 1;
  auto moving = OpenSubject{"connection", "s1", "c1", "1234", "{}", 1, "digest-of-its-token"};
  EXPECT_EQ(a.enqueueAndOpen({created}, moving), OpenOutcome::Opened);
  // The same client on node b (session migration): the subject moves, no second "created".
  EXPECT_EQ(b.enqueueAndOpen({created}, moving), OpenOutcome::MovedIn);
  EXPECT_EQ(a.countDeliveries(), 1u);
  EXPECT_TRUE(a.openSubjects(10).empty());
  ASSERT_EQ(b.openSubjects(10).size(), 1u);
  // Someone else using that id on node c (another token): its "created" goes out, but the
  // subject stays b's.
  auto other = moving;
  other.proof = "digest-of-another-token";
  EXPECT_EQ(c.enqueueAndOpen({created}, other), OpenOutcome::Conflict);
  EXPECT_EQ(a.countDeliveries(), 2u);
  EXPECT_TRUE(c.openSubjects(10).empty());
  // No proof, no move.
  other.proof = "";
  EXPECT_EQ(c.enqueueAndOpen({}, other), OpenOutcome::Conflict);
  // When the old socket on a closes, a sends nothing; b sends the one "destroyed".
  EXPECT_FALSE(a.enqueueAndClose({created}, "connection", "s1", "c1"));
  EXPECT_FALSE(c.enqueueAndClose({created}, "connection", "s1", "c1"));
  EXPECT_EQ(a.countDeliveries(), 2u);
  EXPECT_TRUE(b.enqueueAndClose({created}, "connection", "s1", "c1"));
  EXPECT_EQ(a.countDeliveries(), 3u);
}

TEST_F(PostgresStoreTest, ANodesReleaseLeavesOtherNodesClaimsAlone) {
  PostgresStore a(url(), "node-a");
  PostgresStore b(url(), "node-b");
  a.insertProject(makeProject("1234"));
  OutboxEntry entry;
  entry.apiKey = "1234";
  entry.url = "http://x/";
  entry.body = "{}";
  entry.nextAttemptAtMs = 1;
  a.enqueueDeliveries({entry, entry});
  ASSERT_EQ(a.claimDueDeliveries(10, 1, 60'000).size(), 1u);
  ASSERT_EQ(b.claimDueDeliveries(10, 5, 60'000).size(), 1u);
  EXPECT_EQ(a.releaseClaims(), 1u);
  EXPECT_EQ(b.claimDueDeliveries(10, 5, 60'000).size(), 1u) << "a's entry, released";
  EXPECT_TRUE(a.claimDueDeliveries(10, 5, 60'000).empty());
  // b's deferral does not move rows a holds, and a's does not move b's.
  EXPECT_EQ(a.deferDeliveries("http://x/", 500), 0u);
}

}  // namespace
}  // namespace parley::store
