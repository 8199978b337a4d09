#include "demo/RoomDirectory.h"

#include <gtest/gtest.h>

#include "../store/TempDirectory.h"
#include "core/SessionId.h"
#include "store/SqliteStore.h"

namespace parley::demo {
namespace {

constexpr const char* kKey = "12345678";
constexpr const char* kOtherKey = "87654321";

class RoomDirectoryTest : public ::testing::Test {
 protected:
  RoomDirectoryTest() : store_(":memory:"), catalog_(store_), rooms_(store_, catalog_) {
    store_.insertProject({kKey, "secret-secret", "default", 1});
    store_.insertProject({kOtherKey, "secret-secret-2", "other", 2});
  }

  store::SqliteStore store_;
  session::SessionCatalog catalog_;
  RoomDirectory rooms_;
};

TEST_F(RoomDirectoryTest, FirstVisitCreatesARoutedSessionOfTheProject) {
  auto room = rooms_.open(kKey, "standup", core::MediaMode::Routed);
  EXPECT_TRUE(room.created);
  EXPECT_EQ(room.session.apiKey, kKey);
  EXPECT_EQ(room.session.properties.mediaMode, core::MediaMode::Routed);
  auto parts = core::SessionId::decode(room.session.sessionId);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->apiKey, kKey);
  EXPECT_EQ(parts->flags, "");  // routed: no relayed marker
  // Stored like any REST-created session, so session info and connect find it.
  auto stored = store_.findSession(room.session.sessionId);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->properties.mediaMode, core::MediaMode::Routed);
  EXPECT_EQ(store_.countSessions(kKey), 1u);
}

TEST_F(RoomDirectoryTest, SameNameSameSessionWhateverTheModeAsked) {
  auto first = rooms_.open(kKey, "standup", core::MediaMode::Routed);
  auto again = rooms_.open(kKey, "standup", core::MediaMode::Relayed);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.session.sessionId, first.session.sessionId);
  EXPECT_EQ(again.session.properties.mediaMode, core::MediaMode::Routed);
  EXPECT_EQ(store_.countSessions(kKey), 1u);
}

TEST_F(RoomDirectoryTest, DifferentNamesAndProjectsDifferentSessions) {
  auto a = rooms_.open(kKey, "a", core::MediaMode::Routed);
  auto b = rooms_.open(kKey, "b", core::MediaMode::Routed);
  auto upper = rooms_.open(kKey, "A", core::MediaMode::Routed);  // names are case-sensitive
  auto other = rooms_.open(kOtherKey, "a", core::MediaMode::Routed);
  EXPECT_NE(a.session.sessionId, b.session.sessionId);
  EXPECT_NE(a.session.sessionId, upper.session.sessionId);
  EXPECT_NE(a.session.sessionId, other.session.sessionId);
  EXPECT_EQ(other.session.apiKey, kOtherKey);
  EXPECT_EQ(store_.countSessions(kKey), 3u);
}

TEST_F(RoomDirectoryTest, ARelayedRoomIsRelayedFromTheStart) {
  auto room = rooms_.open(kKey, "p2p", core::MediaMode::Relayed);
  EXPECT_EQ(room.session.properties.mediaMode, core::MediaMode::Relayed);
  EXPECT_EQ(core::SessionId::decode(room.session.sessionId)->flags, "P");
  EXPECT_EQ(rooms_.open(kKey, "p2p", core::MediaMode::Routed).session.properties.mediaMode,
            core::MediaMode::Relayed);
}

TEST_F(RoomDirectoryTest, AnEarlierBindingWinsOverTheSessionJustCreated) {
  // What another process on the same data directory would have done first.
  auto theirs = catalog_.create(kKey, {});
  ASSERT_EQ(store_.bindDemoRoom(kKey, "race", theirs.sessionId, 7), theirs.sessionId);
  EXPECT_EQ(store_.bindDemoRoom(kKey, "race", "1_other", 8), theirs.sessionId);
  auto room = rooms_.open(kKey, "race", core::MediaMode::Routed);
  EXPECT_FALSE(room.created);
  EXPECT_EQ(room.session.sessionId, theirs.sessionId);
}

TEST(RoomDirectoryPersistenceTest, RoomsOutliveTheProcess) {
  store::test::TempDirectory dir;
  const std::string path = dir.file("parley.db");
  std::string sessionId;
  {
    store::SqliteStore store(path);
    store.insertProject({kKey, "secret-secret", "default", 1});
    session::SessionCatalog catalog(store);
    RoomDirectory rooms(store, catalog);
    sessionId = rooms.open(kKey, "weekly", core::MediaMode::Routed).session.sessionId;
  }
  store::SqliteStore reopened(path);
  session::SessionCatalog catalog(reopened);
  RoomDirectory rooms(reopened, catalog);
  auto room = rooms.open(kKey, "weekly", core::MediaMode::Routed);
  EXPECT_FALSE(room.created);
  EXPECT_EQ(room.session.sessionId, sessionId);
}

}  // namespace
}  // namespace parley::demo
