#include "session/CallbackRecorder.h"

#include <gtest/gtest.h>

#include "../store/RawSqlite.h"
#include "../store/TempDirectory.h"
#include "core/Json.h"
#include "session/CallbackPayload.h"
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

TEST_F(CallbackRecorderTest, AnEventHasOneIdForAllItsRowsInPayloadAndRow) {
  registerCallback("1111", "connection", "created", "http://a/");
  registerCallback("1111", "connection", "created", "http://b/");
  registerCallback("1111", "connection", "destroyed", "http://a/");
  recorder_.connectionCreated(connection_);
  recorder_.connectionDestroyed(connection_, "clientDisconnected");
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) {
    auto body = Json::parse(row.body);
    ASSERT_TRUE(body);
    EXPECT_EQ(body->getString("eventId"), row.eventId);
    EXPECT_EQ(row.eventId.size(), 36u) << row.eventId;  // UUID v4
  }
  EXPECT_EQ(rows[0].eventId, rows[1].eventId);  // one event, two receivers
  EXPECT_NE(rows[0].eventId, rows[2].eventId);  // another event
}

TEST_F(CallbackRecorderTest, OpenOnlyWhileSomeoneListensForTheDestroyedEvent) {
  registerCallback("1111", "connection", "created", "http://a/");
  recorder_.connectionCreated(connection_);
  EXPECT_TRUE(store_.openSubjects(10).empty());  // nobody would hear its end

  registerCallback("1111", "stream", "destroyed", "http://sd/");
  recorder_.streamCreated(stream_, connection_);
  auto open = store_.openSubjects(10);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, "stream");
  EXPECT_EQ(open[0].sessionId, "1_session");
  EXPECT_EQ(open[0].id, "stream-1");
  EXPECT_EQ(open[0].apiKey, "1111");
  EXPECT_EQ(open[0].openedAtMs, 777);
  EXPECT_EQ(Json::parse(open[0].json), CallbackPayload::streamJson(stream_, connection_));
  EXPECT_EQ(store_.countDeliveries(), 1u);  // only connectionCreated: no stream/created listener

  recorder_.streamDestroyed(stream_, connection_, "clientDisconnected");
  EXPECT_TRUE(store_.openSubjects(10).empty());
  EXPECT_EQ(store_.countDeliveries(), 2u);
}

// What a run killed with SIGKILL leaves behind, and what the next run makes of it.
TEST_F(CallbackRecorderTest, CloseOutSendsTheDestroyedEventsOfWhatWasLeftOpen) {
  registerCallback("1111", "connection", "destroyed", "http://cd/");
  registerCallback("1111", "stream", "destroyed", "http://sd/");
  Connection other = connection_;
  other.id = "conn-2";
  other.data = "name=bo";
  recorder_.connectionCreated(connection_);
  recorder_.connectionCreated(other);
  recorder_.streamCreated(stream_, connection_);
  recorder_.connectionDestroyed(other, "clientDisconnected");  // ended normally: not left open
  const std::size_t before = store_.countDeliveries();
  ASSERT_EQ(before, 1u);

  int nudges = 0;
  CallbackRecorder nextRun(
      store_, [&nudges] { ++nudges; }, [] { return std::int64_t{900}; },
      [] { return std::string("evt-next"); });
  EXPECT_EQ(nextRun.closeOutOpen(CallbackRecorder::kFailure), 2u);
  EXPECT_EQ(nudges, 1);
  EXPECT_TRUE(store_.openSubjects(10).empty());
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 3u);
  auto streamGone = Json::parse(rows[1].body);
  auto connectionGone = Json::parse(rows[2].body);
  ASSERT_TRUE(streamGone && connectionGone);
  // The stream first, as when a connection ends with its streams.
  EXPECT_EQ(rows[1].url, "http://sd/");
  EXPECT_EQ(streamGone->getString("event"), "streamDestroyed");
  EXPECT_EQ(connectionGone->getString("event"), "connectionDestroyed");
  for (const auto* body : {&*streamGone, &*connectionGone}) {
    EXPECT_EQ(body->getString("sessionId"), "1_session");
    EXPECT_EQ(body->getString("projectId"), "1111");
    EXPECT_EQ(body->getString("reason"), "networkDisconnected");
    EXPECT_EQ(body->getString("reasonDetail"), "serverFailure");
    EXPECT_EQ(body->getInt("timestamp"), 900);
    EXPECT_EQ(body->getString("eventId"), "evt-next");
  }
  EXPECT_EQ(*streamGone->find("stream"), CallbackPayload::streamJson(stream_, connection_));
  EXPECT_EQ(*connectionGone->find("connection"), connection_.toWebhookJson());
  // Nothing is closed twice.
  EXPECT_EQ(nextRun.closeOutOpen(CallbackRecorder::kFailure), 0u);
  EXPECT_EQ(store_.countDeliveries(), 3u);
}

TEST_F(CallbackRecorderTest, CloseOutForgetsSubjectsNobodyListensForAnyMore) {
  registerCallback("1111", "connection", "destroyed", "http://cd/");
  recorder_.connectionCreated(connection_);
  ASSERT_TRUE(store_.deleteCallback("1111", "1111connectiondestroyedhttp://cd/"));
  EXPECT_EQ(recorder_.closeOutOpen(CallbackRecorder::kShutdown), 0u);
  EXPECT_TRUE(store_.openSubjects(10).empty());
  EXPECT_EQ(store_.countDeliveries(), 0u);
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
