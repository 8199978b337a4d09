// Projects and sessions on both stores.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "StoreExpectations.h"
#include "TestStores.h"
#include "store/StoreError.h"

namespace parley::store {
namespace {

using namespace test;  // the helpers of StoreExpectations.h

// Projects and sessions on SQLite and on PostgreSQL.
class StoreProjectsTest : public test::StoreTest {};
PARLEY_STORE_BACKENDS(StoreProjectsTest);

// --- projects ---

TEST_P(StoreProjectsTest, InsertFindAndListProjects) {
  auto& store = *store_;
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

TEST_P(StoreProjectsTest, ASettingKeepsTheFirstValueStored) {
  EXPECT_EQ(store_->settingOrInsert("url-signing-key", "first"), "first");
  EXPECT_EQ(store_->settingOrInsert("url-signing-key", "second"), "first");
  EXPECT_EQ(store_->settingOrInsert("other", "x"), "x");
}

TEST_P(StoreProjectsTest, TextValuesAreBoundNotSpliced) {
  auto& store = *store_;
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

TEST_P(StoreProjectsTest, UpdateProjectSecret) {
  auto& store = *store_;
  store.insertProject(makeProject("42", "old"));
  EXPECT_TRUE(store.updateProjectSecret("42", "new"));
  EXPECT_EQ(store.findProject("42")->secret, "new");
  EXPECT_EQ(store.findProject("42")->name, "Project name");

  EXPECT_FALSE(store.updateProjectSecret("43", "whatever"));
  EXPECT_FALSE(store.findProject("43").has_value());
  EXPECT_EQ(store.listProjects().size(), 1u);
}

TEST_P(StoreProjectsTest, ProjectVideoCodecIsStoredAndChanged) {
  auto& store = *store_;
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

TEST_P(StoreProjectsTest, DuplicateProjectThrowsAndChangesNothing) {
  auto& store = *store_;
  const Project original = makeProject("42", "original", 1000);
  store.insertProject(original);

  const std::string message =
      storeErrorOf([&] { store.insertProject(makeProject("42", "intruder", 2000)); });
  EXPECT_TRUE(contains(message, "insertProject"));
  EXPECT_TRUE(containsIgnoringCase(message, "unique"));

  expectSameProject(store.findProject("42").value(), original);
  EXPECT_EQ(store.listProjects().size(), 1u);

  // The store keeps working after the error (SQLite: the cached statement was reset).
  store.insertProject(makeProject("43"));
  EXPECT_EQ(store.listProjects().size(), 2u);
}

TEST_P(StoreProjectsTest, OnlyTheFirstOfConcurrentFirstStartsCreatesAProject) {
  std::vector<std::thread> nodes;
  std::atomic<int> created{0};
  for (int i = 0; i < 4; ++i) {
    nodes.emplace_back([&, i] {
      auto store = stores_.open("node-" + std::to_string(i));
      if (store->insertProjectIfNone(makeProject("k" + std::to_string(i)))) ++created;
    });
  }
  for (auto& t : nodes) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(store_->listProjects().size(), 1u);
  EXPECT_FALSE(store_->insertProjectIfNone(makeProject("late")));
}

// --- sessions ---

TEST_P(StoreProjectsTest, SessionRoundTripsAllFields) {
  auto& store = *store_;
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

  // Another instance reads what this one wrote.
  expectSameSession(stores_.open()->findSession("2_routed").value(), routed);
}

TEST_P(StoreProjectsTest, SessionWithUnknownApiKeyThrowsAndWritesNothing) {
  auto& store = *store_;
  store.insertProject(makeProject("100"));

  const std::string message =
      storeErrorOf([&] { store.insertSession(makeSession("orphan", "999")); });
  EXPECT_TRUE(contains(message, "insertSession"));
  EXPECT_TRUE(containsIgnoringCase(message, "foreign key"));

  EXPECT_FALSE(store.findSession("orphan").has_value());
  EXPECT_EQ(store.countSessions("999"), 0u);
}

TEST_P(StoreProjectsTest, DuplicateSessionThrowsAndKeepsOriginal) {
  auto& store = *store_;
  store.insertProject(makeProject("100"));
  SessionRecord original = makeSession("s1", "100");
  original.properties.location = "first";
  store.insertSession(original);

  SessionRecord again = makeSession("s1", "100");
  again.properties.location = "second";
  const std::string message = storeErrorOf([&] { store.insertSession(again); });
  EXPECT_TRUE(containsIgnoringCase(message, "unique"));

  expectSameSession(store.findSession("s1").value(), original);
  EXPECT_EQ(store.countSessions("100"), 1u);
}

TEST_P(StoreProjectsTest, CountSessionsPerProject) {
  auto& store = *store_;
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

}  // namespace
}  // namespace parley::store
