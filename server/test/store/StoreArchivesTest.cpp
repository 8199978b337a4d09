#include <gtest/gtest.h>

#include "TestStores.h"
#include "store/StoreError.h"

namespace parley::store {
namespace {

ArchiveRecord archive(const std::string& id, const std::string& key, const std::string& session,
                      std::int64_t createdAtMs) {
  ArchiveRecord a;
  a.id = id;
  a.apiKey = key;
  a.sessionId = session;
  a.name = "archive " + id;
  a.resolution = "1280x720";
  a.layoutJson = R"({"type":"pip"})";
  a.createdAtMs = a.updatedAtMs = createdAtMs;
  return a;
}

// Archives on SQLite and on PostgreSQL.
class StoreArchivesTest : public test::StoreTest {
 protected:
  StoreArchivesTest() {
    store_->insertProject({"1001", "secret-1", "one", 1});
    store_->insertProject({"1002", "secret-2", "two", 1});
  }
};
PARLEY_STORE_BACKENDS(StoreArchivesTest);

TEST_P(StoreArchivesTest, InsertFindUpdateAndSurviveARestart) {
  {
    auto& store = *store_;
    store.insertArchive(archive("a1", "1001", "s1", 100));
    EXPECT_THROW(store.insertArchive(archive("a1", "1001", "s1", 100)), StoreError);
    auto found = store.findArchive("1001", "a1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->status, "started");
    EXPECT_EQ(found->layoutJson, R"({"type":"pip"})");
    EXPECT_FALSE(store.findArchive("1002", "a1")) << "another project's archive is not found";

    ArchiveRecord stopped = *found;
    stopped.status = "available";
    stopped.reason = "user initiated";
    stopped.sizeBytes = 123456;
    stopped.durationMs = 61000;
    stopped.sha256 = "abc";
    stopped.updatedAtMs = 200;
    stopped.streamsJson = R"([{"streamId":"x"}])";
    EXPECT_TRUE(store.updateArchive(stopped));
    ArchiveRecord foreign = stopped;
    foreign.apiKey = "1002";
    EXPECT_FALSE(store.updateArchive(foreign)) << "an update cannot move it to another project";
  }
  store_.reset();
  auto again = stores_.open()->findArchive("1001", "a1");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, "available");
  EXPECT_EQ(again->sizeBytes, 123456);
  EXPECT_EQ(again->durationMs, 61000);
  EXPECT_EQ(again->streamsJson, R"([{"streamId":"x"}])");
  EXPECT_EQ(again->createdAtMs, 100);
}

TEST_P(StoreArchivesTest, ListsNewestFirstWithTotalsPagesAndASessionFilter) {
  auto& store = *store_;
  for (int i = 0; i < 7; ++i)
    store.insertArchive(archive("p1-" + std::to_string(i), "1001", i % 2 ? "odd" : "even", 10 + i));
  store.insertArchive(archive("p2-0", "1002", "even", 99));

  auto all = store.listArchives("1001", "", 0, 50);
  EXPECT_EQ(all.total, 7u);
  ASSERT_EQ(all.items.size(), 7u);
  EXPECT_EQ(all.items.front().id, "p1-6");
  EXPECT_EQ(all.items.back().id, "p1-0");

  auto page = store.listArchives("1001", "", 2, 3);
  EXPECT_EQ(page.total, 7u) << "count is the total, not the page";
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].id, "p1-4");

  auto even = store.listArchives("1001", "even", 0, 50);
  EXPECT_EQ(even.total, 4u);
  for (const auto& a : even.items) EXPECT_EQ(a.sessionId, "even");

  EXPECT_TRUE(store.deleteArchive("1001", "p1-6"));
  EXPECT_FALSE(store.deleteArchive("1001", "p1-6"));
  EXPECT_FALSE(store.deleteArchive("1001", "p2-0")) << "not this project's";
  EXPECT_EQ(store.listArchives("1001", "", 0, 50).total, 6u);

  ArchiveRecord failed = *store.findArchive("1001", "p1-0");
  failed.status = "failed";
  store.updateArchive(failed);
  auto started = store.archivesWithStatus("started");
  EXPECT_EQ(started.size(), 6u) << "p1-1..p1-5 and the other project's";
  EXPECT_EQ(store.archivesWithStatus("failed").size(), 1u);
}

TEST_P(StoreArchivesTest, ARestartFinalisesOnlyTheRecordingsOfItsNode) {
  store_->insertArchive(archive("mine", "1001", "s", 1));
  auto other = stores_.open("node-b");
  other->insertArchive(archive("theirs", "1001", "s", 2));
  std::vector<std::string> seen;
  for (const auto& a : store_->archivesWithStatus("started")) seen.push_back(a.id);
  if (GetParam() == test::Backend::Sqlite) {
    // One node per file: every recording is this node's.
    EXPECT_EQ(seen, (std::vector<std::string>{"mine", "theirs"}));
  } else {
    EXPECT_EQ(seen, (std::vector<std::string>{"mine"}));
    EXPECT_EQ(other->archivesWithStatus("started").at(0).id, "theirs");
    // Everyone finds and lists either one.
    EXPECT_TRUE(store_->findArchive("1001", "theirs"));
    EXPECT_EQ(other->listArchives("1001", "s", 0, 10).total, 2u);
  }
}

TEST_P(StoreArchivesTest, RefusesValuesOutsideTheSchema) {
  auto& store = *store_;
  ArchiveRecord bad = archive("b1", "1001", "s", 1);
  bad.status = "paused-forever";
  EXPECT_THROW(store.insertArchive(bad), StoreError);
  bad.status = "started";
  bad.outputMode = "mosaic";
  EXPECT_THROW(store.insertArchive(bad), StoreError);
  EXPECT_FALSE(store.findArchive("1001", "b1"));
}

}  // namespace
}  // namespace parley::store
