#include "session/CallbackPayload.h"

#include <gtest/gtest.h>

namespace parley::session {
namespace {

using core::Json;

Connection makeConnection() {
  Connection c;
  c.id = "c053fcc8-c681-41d5-8ec2-7a9e1434a21e";
  c.sessionId = "2_MX4xMjM0NTZ-fg";
  c.apiKey = "123456";
  c.data = "TOKENDATA";
  c.creationTime = 1470257688143;
  return c;
}

Stream makeStream(Json channels) {
  Stream s;
  s.id = "63245362-e00e-4834-8371-9397deb3e452";
  s.connectionId = "c053fcc8-c681-41d5-8ec2-7a9e1434a21e";
  s.name = "cam";
  s.creationTime = 1470258845416;
  s.channels = std::move(channels);
  return s;
}

Json videoAndAudio(const char* source) {
  return Json::array(
      {Json::object({{"id", "video1"}, {"type", "video"}, {"active", true}, {"source", source}}),
       Json::object({{"id", "audio1"}, {"type", "audio"}, {"active", true}})});
}

const Json kWebhookConnection = Json::object({{"id", "c053fcc8-c681-41d5-8ec2-7a9e1434a21e"},
                                              {"createdAt", 1470257688143LL},
                                              {"data", "TOKENDATA"}});

TEST(CallbackPayloadTest, ConnectionCreatedMatchesSpecExample) {
  Json p = CallbackPayload::connectionCreated(makeConnection(), 1470257688309);
  EXPECT_EQ(
      p.dump(),
      R"({"sessionId":"2_MX4xMjM0NTZ-fg","projectId":"123456","event":"connectionCreated",)"
      R"("timestamp":1470257688309,"connection":{"id":"c053fcc8-c681-41d5-8ec2-7a9e1434a21e",)"
      R"("createdAt":1470257688143,"data":"TOKENDATA"}})");
  EXPECT_FALSE(p.contains("reason"));
}

TEST(CallbackPayloadTest, ConnectionDestroyedCarriesEachReason) {
  for (const char* reason : {"clientDisconnected", "forceDisconnected", "networkDisconnected"}) {
    Json p = CallbackPayload::connectionDestroyed(makeConnection(), reason, 1470258896953);
    EXPECT_EQ(p.getString("event"), "connectionDestroyed");
    EXPECT_EQ(p.getString("reason"), reason);
    EXPECT_EQ(p.getInt("timestamp"), 1470258896953);
    EXPECT_EQ(p.getString("projectId"), "123456");
    ASSERT_TRUE(p.find("connection"));
    EXPECT_EQ(*p.find("connection"), kWebhookConnection);
    // Same member order as the example of docs/protocol.md §4.1.
    EXPECT_EQ(p.keys(), (std::vector<std::string>{"sessionId", "projectId", "event", "reason",
                                                  "timestamp", "connection"}));
  }
}

TEST(CallbackPayloadTest, StreamCreatedMatchesSpecExample) {
  Connection owner = makeConnection();
  owner.data = "";
  Json p =
      CallbackPayload::streamCreated(makeStream(videoAndAudio("camera")), owner, 1470258860571);
  EXPECT_EQ(
      p.dump(),
      R"({"sessionId":"2_MX4xMjM0NTZ-fg","projectId":"123456","event":"streamCreated",)"
      R"("timestamp":1470258860571,"stream":{"id":"63245362-e00e-4834-8371-9397deb3e452",)"
      R"("connection":{"id":"c053fcc8-c681-41d5-8ec2-7a9e1434a21e","createdAt":1470257688143,)"
      R"("data":""},"createdAt":1470258845416,"name":"cam","videoType":"camera"}})");
}

TEST(CallbackPayloadTest, StreamDestroyedCarriesEachReason) {
  for (const char* reason : {"clientDisconnected", "forceDisconnected", "forceUnpublished",
                             "mediaStopped", "networkDisconnected"}) {
    Json p = CallbackPayload::streamDestroyed(makeStream(videoAndAudio("screen")), makeConnection(),
                                              reason, 42);
    EXPECT_EQ(p.getString("event"), "streamDestroyed");
    EXPECT_EQ(p.getString("reason"), reason);
    EXPECT_EQ(p.getInt("timestamp"), 42);
    const Json* stream = p.find("stream");
    ASSERT_TRUE(stream);
    EXPECT_EQ(stream->getString("videoType"), "screen");
    EXPECT_EQ(*stream->find("connection"), kWebhookConnection);
  }
}

TEST(CallbackPayloadTest, AudioOnlyStreamHasNoVideoType) {
  Json audioOnly =
      Json::array({Json::object({{"id", "audio1"}, {"type", "audio"}, {"active", true}})});
  Json created = CallbackPayload::streamCreated(makeStream(audioOnly), makeConnection(), 1);
  Json destroyed = CallbackPayload::streamDestroyed(makeStream(audioOnly), makeConnection(),
                                                    "clientDisconnected", 2);
  for (const Json* p : {&created, &destroyed}) {
    const Json* stream = p->find("stream");
    ASSERT_TRUE(stream);
    EXPECT_FALSE(stream->contains("videoType")) << p->dump();
    EXPECT_EQ(stream->getString("name"), "cam");
  }
}

TEST(CallbackPayloadTest, VideoWithoutSourceIsCameraAndCustomStaysCustom) {
  Json noSource =
      Json::array({Json::object({{"id", "video1"}, {"type", "video"}, {"active", true}})});
  EXPECT_EQ(
      CallbackPayload::streamJson(makeStream(noSource), makeConnection()).getString("videoType"),
      "camera");
  EXPECT_EQ(CallbackPayload::streamJson(makeStream(videoAndAudio("custom")), makeConnection())
                .getString("videoType"),
            "custom");
}

}  // namespace
}  // namespace parley::session
