#include "signaling/RaptorMessage.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::signaling {
namespace {

using core::Json;
using Params = std::map<std::string, std::string, std::less<>>;

// A real-shaped session id: "1_" + base64url of "1~12345678~~1739538894959~…~P~~".
const std::string kSession =
    "1_MX4xMjM0NTY3OH5-MTczOTUzODg5NDk1OX5ROW1jWEcxUXJOM1RJWXU4eStwcHgvZ3N-UH5-";
const std::string kBase = "/v2/partner/12345678/session/" + kSession;
const std::string kStream = "753dc6df-940b-4cfa-9ac0-1f49d2b4a5fb";
const std::string kSubscriber = "790d5288-80c9-4548-8baa-6fc2ab618414";
const std::string kConnection = "3c0c0777-4317-4638-87b6-225fc4cdc22f";

struct UriCase {
  std::string suffix;
  std::string resource;
  Params extra;  // params beyond partner and session
};

std::string envelope(std::string_view method, std::string_view uri, std::string_view content) {
  std::string out = R"({"method":)";
  Json::appendQuoted(out, method);
  out += R"(,"uri":)";
  Json::appendQuoted(out, uri);
  out += R"(,"content":)";
  out += content;
  out += '}';
  return out;
}

bool uriAccepted(std::string_view uri) {
  Params params;
  std::string resource;
  return RaptorMessage::parseUri(uri, params, resource);
}

TEST(RaptorMessageTest, UriTableOfSpec71) {
  const std::vector<UriCase> cases = {
      {"", "session", {}},
      {"/connection/" + kConnection, "connection", {{"connection", kConnection}}},
      {"/stream/" + kStream, "stream", {{"stream", kStream}}},
      {"/stream/" + kStream + "/channel/audio1",
       "stream_channel",
       {{"stream", kStream}, {"channel", "audio1"}}},
      {"/stream/" + kStream + "/subscriber/" + kSubscriber,
       "subscriber",
       {{"stream", kStream}, {"subscriber", kSubscriber}}},
      {"/stream/" + kStream + "/subscriber/" + kSubscriber + "/channel/video1",
       "subscriber_channel",
       {{"stream", kStream}, {"subscriber", kSubscriber}, {"channel", "video1"}}},
      {"/signal/2c5f894d-329a-49d7-a3f7-964ce596fc0c",
       "signal",
       {{"signal", "2c5f894d-329a-49d7-a3f7-964ce596fc0c"}}},
      {"/connection/" + kConnection + "/signal/4ff039ec-94a5-4bba-bd41-199d7f5412ee",
       "signal",
       {{"connection", kConnection}, {"signal", "4ff039ec-94a5-4bba-bd41-199d7f5412ee"}}},
      {"/stream/" + kStream + "/channel/downlinkStats1/data/0b1f7c1e-5a36-4c55-9a52-63ac0b0bd111",
       "data",
       {{"stream", kStream},
        {"channel", "downlinkStats1"},
        {"data", "0b1f7c1e-5a36-4c55-9a52-63ac0b0bd111"}}},
      {"/archive/b40ef09b-3811-4726-b508-e41a0f96c68f",
       "archive",
       {{"archive", "b40ef09b-3811-4726-b508-e41a0f96c68f"}}},
      {"/stream/" + kStream + "/source/P2P", "source", {{"stream", kStream}, {"source", "P2P"}}},
      {"/notification/n1", "notification", {{"notification", "n1"}}},
      {"/notification", "notification", {}},
      // Not in the table, but the same rules: §7.2 migrate and §7.11 forwarded sender stats.
      {"/migrate", "migrate", {}},
      {"/stream/" + kStream + "/subscriber/" + kSubscriber + "/channel/downlinkStats1/data/d1",
       "data",
       {{"stream", kStream},
        {"subscriber", kSubscriber},
        {"channel", "downlinkStats1"},
        {"data", "d1"}}},
      // §7.7.1 quirk: the session id in the connection slot.
      {"/connection/" + kSession + "/signal/s1",
       "signal",
       {{"connection", kSession}, {"signal", "s1"}}},
  };
  for (const UriCase& c : cases) {
    SCOPED_TRACE(c.suffix);
    Params params;
    std::string resource;
    ASSERT_TRUE(RaptorMessage::parseUri(kBase + c.suffix, params, resource));
    EXPECT_EQ(resource, c.resource);
    Params expected = c.extra;
    expected.emplace("partner", "12345678");
    expected.emplace("session", kSession);
    EXPECT_EQ(params, expected);

    // The same through a whole envelope.
    auto message = RaptorMessage::parse(envelope("update", kBase + c.suffix, "{}"));
    ASSERT_TRUE(message);
    EXPECT_EQ(message->resource, c.resource);
    EXPECT_EQ(message->params, expected);
  }
}

TEST(RaptorMessageTest, ChannelPlacementDecidesTheResource) {
  Params params;
  std::string resource;
  // A channel that is not under a stream is just "channel".
  ASSERT_TRUE(RaptorMessage::parseUri(kBase + "/channel/c1", params, resource));
  EXPECT_EQ(resource, "channel");
  // Under a stream but with the subscriber after the channel: a stream channel.
  ASSERT_TRUE(
      RaptorMessage::parseUri(kBase + "/stream/s/channel/c/subscriber/x", params, resource));
  EXPECT_EQ(resource, "subscriber");
  ASSERT_TRUE(
      RaptorMessage::parseUri(kBase + "/subscriber/x/stream/s/channel/c", params, resource));
  EXPECT_EQ(resource, "stream_channel");
  ASSERT_TRUE(RaptorMessage::parseUri(kBase + "/stream/s/other/o/channel/c", params, resource));
  EXPECT_EQ(resource, "stream_channel");
  // A trailing single name after a channel pair.
  ASSERT_TRUE(RaptorMessage::parseUri(kBase + "/stream/s/channel/c/data", params, resource));
  EXPECT_EQ(resource, "data");
  EXPECT_EQ(params.at("channel"), "c");
}

TEST(RaptorMessageTest, ApiKeysAndIdsOfEveryKnownShape) {
  for (const std::string& key :
       std::vector<std::string>{"12345678", "47665971", "29f760f8-7ce1-46c9-ade3-f2dedee4ed5f"}) {
    for (const std::string& session :
         {kSession,
          std::string("1_MX4yOWY3NjBmOC03Y2UxLTQ2YzktYWRlMy1mMmRlZGVlNGVkNWZ-fjE3MjY0NjI1ODg2NDd-"
                      "MTF4TGExYmJoelBlR1FHbVhzbWd4STBrfn5-"),
          std::string(
              "2_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg"),
          std::string("1_MX4xMjM0NTZ+fk1vbiBNYXI=")}) {
      SCOPED_TRACE(key + " " + session);
      Params params;
      std::string resource;
      ASSERT_TRUE(RaptorMessage::parseUri(
          "/v2/partner/" + key + "/session/" + session + "/connection/" + kConnection, params,
          resource));
      EXPECT_EQ(params.at("partner"), key);
      EXPECT_EQ(params.at("session"), session);
      EXPECT_EQ(resource, "connection");
    }
  }
  // The rest of the conservative set, and percent escapes as they are (never decoded).
  Params params;
  std::string resource;
  ASSERT_TRUE(
      RaptorMessage::parseUri(kBase + "/signal/a.b~c:d@e+f=g_h-i%2Fj%aB", params, resource));
  EXPECT_EQ(params.at("signal"), "a.b~c:d@e+f=g_h-i%2Fj%aB");
}

TEST(RaptorMessageTest, UriRejections) {
  const std::vector<std::string> bad = {
      "",
      "/",
      "/v2",
      "/v2/",
      "v2/partner/k/session/s",
      "/v1/partner/k/session/s",
      "/V2/partner/k/session/s",
      "//v2/partner/k/session/s",
      "/v2//partner/k/session/s",
      "/v2/partner/k/session/s/",
      "/v2/partner/k/session/s//connection/c",
      "/v2/partner//session/s",
      "/v2/partner/k/session/",
      // partner and session first, in that order
      "/v2/partner/k",
      "/v2/partner/k/session",
      "/v2/session/s/partner/k",
      "/v2/partner/k/connection/c/session/s",
      "/v2/project/k/session/s",
      "/v2/partner/k/Session/s",
      "/v2/stream/x/partner/k/session/s",
      // a name may appear once: a later pair must not override session or partner
      "/v2/partner/k/session/s/session/t",
      "/v2/partner/k/session/s/connection/c/partner/j",
      "/v2/partner/k/session/s/stream/a/stream/b",
      "/v2/partner/k/session/s/session",
      "/v2/partner/k/session/s/stream/a/stream",
      // names are words; the derived resources cannot be spelled directly
      "/v2/partner/k/session/s/stream_channel/c",
      "/v2/partner/k/session/s/subscriber_channel",
      "/v2/partner/k/session/s/x-y/z",
      "/v2/partner/k/session/s/a.b",
      // dot segments
      "/v2/partner/k/session/s/archive/..",
      "/v2/partner/k/session/s/archive/.",
      "/v2/partner/k/session/../archive/a",
      "/v2/partner/k/session/s/archive/...",
      // bad percent escapes
      "/v2/partner/k/session/s/signal/%",
      "/v2/partner/k/session/s/signal/a%2",
      "/v2/partner/k/session/s/signal/%zz",
      "/v2/partner/k/session/s/signal/%%41",
  };
  for (const std::string& uri : bad) {
    SCOPED_TRACE(uri);
    Params params{{"stale", "x"}};
    std::string resource = "stale";
    EXPECT_FALSE(RaptorMessage::parseUri(uri, params, resource));
  }
}

TEST(RaptorMessageTest, UriRejectsInjectableCharacters) {
  // Everything outside [A-Za-z0-9-_.~:@+=%] in a value: what could break a URL, JSON, HTML,
  // a log line or a file path downstream.
  std::string allowed = "-_.~:@+=%";
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool alnum =
        (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (alnum || allowed.find(ch) != std::string::npos || ch == '/') continue;
    SCOPED_TRACE(c);
    EXPECT_FALSE(uriAccepted(kBase + "/signal/a" + std::string(1, ch) + "b"));
    EXPECT_FALSE(uriAccepted(kBase + "/signal" + std::string(1, ch) + "/ab"));
    EXPECT_FALSE(uriAccepted("/v2/partner/k" + std::string(1, ch) + "/session/s"));
  }
  for (const std::string& attack :
       {std::string("a b"), std::string("a\"b"), std::string("<script>"), std::string("a\\b"),
        std::string("a?x=1"), std::string("a#f"), std::string("a&b"), std::string("a\r\nb"),
        std::string("a\0b", 3), std::string("caf\xc3\xa9"), std::string("a'b"),
        std::string("${x}")}) {
    SCOPED_TRACE(attack);
    EXPECT_FALSE(uriAccepted(kBase + "/connection/" + attack));
    EXPECT_FALSE(RaptorMessage::parse(envelope("delete", kBase + "/connection/" + attack, "{}")));
  }
}

TEST(RaptorMessageTest, UriLengthLimit) {
  const std::string prefix = kBase + "/signal/";
  const std::string exact = prefix + std::string(2048 - prefix.size(), 'a');
  ASSERT_EQ(exact.size(), 2048u);
  EXPECT_TRUE(uriAccepted(exact));
  EXPECT_FALSE(uriAccepted(exact + "a"));
  EXPECT_FALSE(uriAccepted(prefix + std::string(100000, 'a')));
  std::string error;
  EXPECT_FALSE(RaptorMessage::parse(envelope("signal", exact + "a", "{}"), &error));
  EXPECT_NE(error.find("2048"), std::string::npos) << error;
}

TEST(RaptorMessageTest, ParseUriLeavesOutputsAloneOnFailure) {
  Params params{{"keep", "me"}};
  std::string resource = "kept";
  EXPECT_FALSE(RaptorMessage::parseUri("/v2/partner/k", params, resource));
  EXPECT_EQ(params, (Params{{"keep", "me"}}));
  EXPECT_EQ(resource, "kept");
  // On success they are replaced, not merged.
  ASSERT_TRUE(RaptorMessage::parseUri("/v2/partner/k/session/s", params, resource));
  EXPECT_EQ(params, (Params{{"partner", "k"}, {"session", "s"}}));
  EXPECT_EQ(resource, "session");
}

TEST(RaptorMessageTest, ConnectMessageOf74) {
  const std::string json = R"({"method":"create",
 "uri":"/v2/partner/12345678/session/)" +
                           kSession +
                           R"(/connection/3c0c0777-4317-4638-87b6-225fc4cdc22f",
 "content":{"userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
            "clientVersion":"js-2.35.2","capabilities":["forceMute","renegotiation"]}})";
  std::string error;
  auto message = RaptorMessage::parse(json, &error);
  ASSERT_TRUE(message) << error;
  EXPECT_EQ(message->method, "create");
  EXPECT_EQ(message->resource, "connection");
  EXPECT_EQ(message->param("connection"), kConnection);
  EXPECT_EQ(message->param("partner"), "12345678");
  EXPECT_EQ(message->param("session"), kSession);
  EXPECT_FALSE(message->param("stream"));
  EXPECT_EQ(message->content.getString("clientVersion"), "js-2.35.2");
  const Json* capabilities = message->content.find("capabilities");
  ASSERT_TRUE(capabilities && capabilities->isArray());
  EXPECT_EQ(capabilities->size(), 2u);
  EXPECT_FALSE(message->reason);
}

TEST(RaptorMessageTest, StreamCreateOf761) {
  const std::string json = R"({"method":"create","uri":")" + kBase + "/stream/" + kStream + R"(",
 "content":{"id":"753dc6df-940b-4cfa-9ac0-1f49d2b4a5fb","name":"",
   "publisherAudioFallbackEnabled":false,"subscriberAudioFallbackEnabled":true,
   "channel":[{"id":"video1","type":"video","active":true,"width":640,"height":480,
               "orientation":0,"source":"camera","fitMode":"cover"},
              {"id":"audio1","type":"audio","active":true},
              {"id":"caption1","type":"data","active":false}],
   "e2ee":false,"customProperties":{}}})";
  std::string error;
  auto message = RaptorMessage::parse(json, &error);
  ASSERT_TRUE(message) << error;
  EXPECT_EQ(message->resource, "stream");
  EXPECT_EQ(message->param("stream"), kStream);
  EXPECT_EQ(message->content.getString("id"), kStream);
  const Json* channels = message->content.find("channel");
  ASSERT_TRUE(channels && channels->isArray());
  ASSERT_EQ(channels->size(), 3u);
  EXPECT_EQ(channels->at(0).getInt("width"), 640);
  EXPECT_EQ(channels->at(2).getBool("active"), false);
}

TEST(RaptorMessageTest, SubscriberCreateOf79) {
  const std::string json = R"({"method":"create","uri":")" + kBase + "/stream/" + kStream +
                           "/subscriber/" + kSubscriber + R"(",
 "content":{"id":"790d5288-80c9-4548-8baa-6fc2ab618414",
   "connection":"781d5ed0-7747-4125-8a85-49557327e36a",
   "keyManagementMethod":"DTLS_SRTP","bundleSupport":true,"rtcpMuxSupport":true,"e2ee":false,
   "channel":[{"id":"audio1","type":"audio","active":true},
              {"id":"video1","type":"video","active":true,"restrictFrameRate":false},
              {"id":"caption1","type":"data","active":false}]}})";
  std::string error;
  auto message = RaptorMessage::parse(json, &error);
  ASSERT_TRUE(message) << error;
  EXPECT_EQ(message->resource, "subscriber");
  EXPECT_EQ(message->param("stream"), kStream);
  EXPECT_EQ(message->param("subscriber"), kSubscriber);
  EXPECT_EQ(message->content.getString("keyManagementMethod"), "DTLS_SRTP");
  EXPECT_EQ(message->content.getString("connection"), "781d5ed0-7747-4125-8a85-49557327e36a");
}

TEST(RaptorMessageTest, OtherClientMessagesOf72) {
  struct Case {
    std::string json;
    std::string method;
    std::string resource;
  };
  const std::vector<Case> cases = {
      {envelope("signal", kBase + "/signal/2c5f894d-329a-49d7-a3f7-964ce596fc0c",
                R"({"type":"chat","data":"hi from sub"})"),
       "signal", "signal"},
      {envelope("update", kBase + "/stream/" + kStream + "/channel/audio1", R"({"active":false})"),
       "update", "stream_channel"},
      {envelope("update",
                kBase + "/stream/" + kStream + "/subscriber/" + kSubscriber + "/channel/video1",
                R"({"preferredWidth":320,"preferredHeight":240})"),
       "update", "subscriber_channel"},
      {envelope(
           "update", kBase,
           R"({"reason":"mute","channels":["audio"],"active":true,"locked":false,"exclusion":[]})"),
       "update", "session"},
      {envelope("data", kBase + "/stream/" + kStream + "/channel/downlinkStats1/data/d1",
                R"({"data":"{\"x\":1}","type":"data"})"),
       "data", "data"},
      {envelope("delete", kBase + "/stream/" + kStream, R"({"sourceStreamId":"P2P"})"), "delete",
       "stream"},
      {envelope(
           "candidate", kBase + "/stream/" + kStream + "/subscriber/" + kSubscriber,
           R"({"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host","sdpMid":"0"})"),
       "candidate", "subscriber"},
      {envelope("migrate", kBase + "/migrate", "{}"), "migrate", "migrate"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    std::string error;
    auto message = RaptorMessage::parse(c.json, &error);
    ASSERT_TRUE(message) << error;
    EXPECT_EQ(message->method, c.method);
    EXPECT_EQ(message->resource, c.resource);
  }
}

TEST(RaptorMessageTest, ContentDefaultsToAnEmptyObject) {
  auto message = RaptorMessage::parse(R"({"method":"delete","uri":")" + kBase + "/stream/s\"}");
  ASSERT_TRUE(message);
  EXPECT_TRUE(message->content.isObject());
  EXPECT_EQ(message->content.size(), 0u);
  EXPECT_EQ(message->serialize(),
            R"({"method":"delete","uri":")" + kBase + R"(/stream/s","content":{}})");
}

TEST(RaptorMessageTest, MalformedEnvelopes) {
  const std::string uri = kBase + "/stream/s";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "invalid JSON"},
      {"{", "invalid JSON"},
      {"not json", "invalid JSON"},
      {R"({"method":"create","uri":")" + uri + R"(","content":{}} trailing)", "invalid JSON"},
      {"[]", "not a JSON object"},
      {"\"create\"", "not a JSON object"},
      {"null", "not a JSON object"},
      {R"({"uri":")" + uri + R"(","content":{}})", "method"},
      {R"({"method":7,"uri":")" + uri + R"(","content":{}})", "method"},
      {R"({"method":null,"uri":")" + uri + R"(","content":{}})", "method"},
      {R"({"method":["create"],"uri":")" + uri + R"(","content":{}})", "method"},
      {R"({"method":"","uri":")" + uri + R"(","content":{}})", "method"},
      {R"({"method":"cre ate","uri":")" + uri + R"(","content":{}})", "method"},
      {R"({"method":"create\n","uri":")" + uri + R"(","content":{}})", "method"},
      {R"({"method":")" + std::string(65, 'a') + R"(","uri":")" + uri + R"(","content":{}})",
       "method"},
      {R"({"method":"create","content":{}})", "uri"},
      {R"({"method":"create","uri":42,"content":{}})", "uri"},
      {R"({"method":"create","uri":{},"content":{}})", "uri"},
      {R"({"method":"create","uri":"/v1/partner/k/session/s","content":{}})", "/v2/"},
      {R"({"method":"create","uri":"http://x/v2/partner/k/session/s","content":{}})", "/v2/"},
      {R"({"method":"create","uri":"/v2/partner/k/stream/s","content":{}})", "session"},
      {R"({"method":"create","uri":"/v2/partner/k","content":{}})", "session"},
      {R"({"method":"create","uri":")" + uri + R"(","content":[]})", "content"},
      {R"({"method":"create","uri":")" + uri + R"(","content":"x"})", "content"},
      {R"({"method":"create","uri":")" + uri + R"(","content":null})", "content"},
      {R"({"method":"create","uri":")" + uri + R"(","content":1})", "content"},
      {R"({"method":"create","uri":")" + uri + R"(","content":{},"reason":5})", "reason"},
  };
  for (const auto& [json, why] : cases) {
    SCOPED_TRACE(json);
    std::string error;
    EXPECT_NO_THROW(EXPECT_FALSE(RaptorMessage::parse(json, &error)));
    EXPECT_NE(error.find(why), std::string::npos) << error;
  }
  EXPECT_FALSE(RaptorMessage::parse("{}"));  // the error out-parameter is optional
}

TEST(RaptorMessageTest, DeeplyNestedContentIsRefused) {
  std::string content = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_FALSE(RaptorMessage::parse(envelope("create", kBase, R"({"x":)" + content + "}")));
}

TEST(RaptorMessageTest, SerializeIsCompactAndOrdered) {
  RaptorMessage message;
  message.method = "deleted";
  message.uri = kBase + "/connection/" + kConnection;
  message.reason = "forceDisconnected";
  EXPECT_EQ(message.serialize(), R"({"method":"deleted","uri":")" + kBase + "/connection/" +
                                     kConnection +
                                     R"(","content":{},"reason":"forceDisconnected"})");

  message.method = "updated";
  message.uri = kBase + "/stream/" + kStream + "/channel/audio1";
  message.reason.reset();
  message.content = Json::object({{"active", false}, {"width", 1280}});
  EXPECT_EQ(message.serialize(), R"({"method":"updated","uri":")" + message.uri +
                                     R"(","content":{"active":false,"width":1280}})");
}

TEST(RaptorMessageTest, RoundTripKeepsEverything) {
  RaptorMessage message;
  message.method = "signal";
  message.uri = kBase + "/connection/" + kConnection + "/signal/s1";
  message.content =
      Json::object({{"type", "chat"},
                    {"data", "héllo \"wörld\" \\ 👋\n\t\x01"},
                    {"nested", Json::array({1, 2.5, nullptr, true, Json::object()})}});
  message.reason = "ünïcode reason";
  const std::string text = message.serialize();
  std::string error;
  auto back = RaptorMessage::parse(text, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->method, message.method);
  EXPECT_EQ(back->uri, message.uri);
  EXPECT_EQ(back->content, message.content);
  EXPECT_EQ(back->reason, message.reason);
  EXPECT_EQ(back->resource, "signal");
  EXPECT_EQ(back->param("connection"), kConnection);
  EXPECT_EQ(back->serialize(), text);
}

TEST(RaptorMessageTest, UnknownTopLevelMembersAreIgnored) {
  auto message = RaptorMessage::parse(R"({"extra":[1,2],"method":"create","uri":")" + kBase +
                                      R"(","content":{"a":1},"reason":"r"})");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->reason, "r");
  EXPECT_EQ(message->serialize(),
            R"({"method":"create","uri":")" + kBase + R"(","content":{"a":1},"reason":"r"})");
}

}  // namespace
}  // namespace parley::signaling
