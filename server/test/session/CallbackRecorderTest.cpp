#include "session/CallbackRecorder.h"

#include <gtest/gtest.h>

#include "../store/RawSqlite.h"
#include "../store/TempDirectory.h"
#include "core/Json.h"
#include "store/SqliteStore.h"

namespace parley::session {
namespace {

using core::Json;

class CallbackRecorderTest : public ::testing::Test {
 protected:
  CallbackRecorderTest() {
    store_.insertProject({"1111", "secret", "one", 1});
    store_.insertProject({"2222", "secret", "two", 1});
    connection_.id = "conn-1";
    connection_.sessionId = "1_session";
    connection_.apiKey = "1111";
    connection_.creationTime = 500;
    stream_.id = "stream-1";
    stream_.connectionId = "conn-1";
    stream_.creationTime = 600;
    stream_.channels =
        Json::array({Json::object({{"id", "audio1"}, {"type", "audio"}, {"active", true}})});
  }

  void registerCallback(const std::string& apiKey, const std::string& group,
                        const std::string& event, const std::string& url) {
    store_.insertCallback({apiKey + group + event + url, apiKey, group, event, url, 1});
  }

  std::vector<store::OutboxEntry> outbox() { return store_.dueDeliveries(1'000'000, 100); }

  store::SqliteStore store_{":memory:"};
  int nudges_ = 0;
  CallbackRecorder recorder_{store_, [this] { ++nudges_; }, [] { return std::int64_t{777}; }};
  Connection connection_;
  Stream stream_;
};

TEST_F(CallbackRecorderTest, NothingRegisteredWritesNothingAndDoesNotNudge) {
  registerCallback("2222", "connection", "created", "http://other-project/");
  recorder_.connectionCreated(connection_);
  recorder_.connectionDestroyed(connection_, "clientDisconnected");
  recorder_.streamCreated(stream_, connection_);
  recorder_.streamDestroyed(stream_, connection_, "clientDisconnected");
  EXPECT_EQ(store_.countDeliveries(), 0u);
  EXPECT_EQ(nudges_, 0);
}

TEST_F(CallbackRecorderTest, OneRowPerRegisteredUrlOfThatGroupAndEvent) {
  registerCallback("1111", "connection", "created", "http://a/");
  registerCallback("1111", "connection", "created", "http://b/");
  registerCallback("1111", "connection", "destroyed", "http://c/");
  recorder_.connectionCreated(connection_);
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].url, "http://a/");
  EXPECT_EQ(rows[1].url, "http://b/");
  for (const auto& row : rows) {
    EXPECT_EQ(row.apiKey, "1111");
    EXPECT_EQ(row.attempts, 0);
    EXPECT_EQ(row.nextAttemptAtMs, 777);
    EXPECT_EQ(row.createdAtMs, 777);
    auto body = Json::parse(row.body);
    ASSERT_TRUE(body);
    EXPECT_EQ(body->getString("event"), "connectionCreated");
    EXPECT_EQ(body->getString("sessionId"), "1_session");
    EXPECT_EQ(body->getString("projectId"), "1111");
    EXPECT_EQ(body->getInt("timestamp"), 777);
  }
  EXPECT_EQ(nudges_, 1);
}

TEST_F(CallbackRecorderTest, EachEventGoesToItsOwnRegistration) {
  registerCallback("1111", "connection", "created", "http://cc/");
  registerCallback("1111", "connection", "destroyed", "http://cd/");
  registerCallback("1111", "stream", "created", "http://sc/");
  registerCallback("1111", "stream", "destroyed", "http://sd/");
  recorder_.connectionCreated(connection_);
  recorder_.streamCreated(stream_, connection_);
  recorder_.streamDestroyed(stream_, connection_, "forceUnpublished");
  recorder_.connectionDestroyed(connection_, "forceDisconnected");
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 4u);
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& row : rows) {
    auto body = Json::parse(row.body);
    ASSERT_TRUE(body);
    seen.emplace_back(row.url, body->getString("event").value_or("") + "/" +
                                   body->getString("reason").value_or("-"));
  }
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, std::string>>{
                      {"http://cc/", "connectionCreated/-"},
                      {"http://sc/", "streamCreated/-"},
                      {"http://sd/", "streamDestroyed/forceUnpublished"},
                      {"http://cd/", "connectionDestroyed/forceDisconnected"}}));
  auto streamCreated = Json::parse(rows[1].body);
  ASSERT_TRUE(streamCreated);
  const Json* stream = streamCreated->find("stream");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->getString("id"), "stream-1");
  EXPECT_FALSE(stream->contains("videoType"));  // audio-only
  EXPECT_EQ(nudges_, 4);
}

TEST(CallbackRecorderFailureTest, StorageFailureIsLoggedNotThrown) {
  store::test::TempDirectory dir;
  const std::string path = dir.file("parley.db");
  store::SqliteStore store(path);
  store.insertProject({"1111", "secret", "one", 1});
  {
    // Someone broke the file behind the store's back: every look-up now fails.
    store::test::RawSqlite raw(path);
    ASSERT_TRUE(raw.exec("DROP TABLE callbacks")) << raw.lastError();
  }
  int nudges = 0;
  CallbackRecorder recorder(store, [&nudges] { ++nudges; });
  Connection connection;
  connection.apiKey = "1111";
  EXPECT_NO_THROW(recorder.connectionCreated(connection));
  EXPECT_NO_THROW(recorder.connectionDestroyed(connection, "clientDisconnected"));
  EXPECT_EQ(nudges, 0);
}

}  // namespace
}  // namespace parley::session
