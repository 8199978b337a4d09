#include "session/SessionManager.h"

#include <gtest/gtest.h>

#include "core/Clock.h"
#include "core/SessionId.h"
#include "core/TokenMinter.h"
#include "store/SqliteStore.h"

namespace parley::session {
namespace {

using core::Json;

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";

struct Delivered {
  std::string to;
  OutboundMessage message;
};

class RecordingOutput : public SessionOutput {
 public:
  void send(const std::string& connectionId, const OutboundMessage& message) override {
    sent.push_back({connectionId, message});
  }
  void detach(const std::string& connectionId) override { detached.push_back(connectionId); }

  std::vector<Delivered> to(const std::string& id, const std::string& method = {}) const {
    std::vector<Delivered> out;
    for (const auto& d : sent)
      if (d.to == id && (method.empty() || d.message.method == method)) out.push_back(d);
    return out;
  }
  std::vector<Delivered> sent;
  std::vector<std::string> detached;
};

class RecordingListener : public SessionEventListener {
 public:
  void connectionCreated(const Connection& c) override {
    events.push_back("connectionCreated " + c.id);
  }
  void connectionDestroyed(const Connection& c, const std::string& reason) override {
    events.push_back("connectionDestroyed " + c.id + " " + reason);
  }
  void streamCreated(const Stream& s, const Connection&) override {
    events.push_back("streamCreated " + s.id);
  }
  void streamDestroyed(const Stream& s, const Connection&, const std::string& reason) override {
    events.push_back("streamDestroyed " + s.id + " " + reason);
  }
  std::vector<std::string> events;
};

class SessionManagerTest : public ::testing::Test {
 protected:
  SessionManagerTest()
      : store_(":memory:"),
        manager_(
            store_, limits(),
            [](std::string_view key) -> std::optional<std::string> {
              if (key == kKey) return std::string(kSecret);
              return std::nullopt;
            },
            [this] { return now_; }) {
    store_.insertProject({kKey, kSecret, "test", 1});
    sessionId_ = addSession(core::MediaMode::Relayed);
    manager_.setOutput(&output_);
    manager_.setListener(&listener_);
  }

  static SessionLimits limits() {
    SessionLimits l;
    l.maxConnectionsPerSession = 3;
    l.maxStreamsPerSession = 2;
    l.signalsPerSecond = 1;
    l.signalBurst = 3;
    return l;
  }

  std::string addSession(core::MediaMode mode) {
    store::SessionRecord r;
    r.apiKey = kKey;
    r.properties.mediaMode = mode;
    r.createdAtMs = core::Clock::nowMs();
    r.sessionId =
        core::SessionId::generate(kKey, "", r.createdAtMs, mode == core::MediaMode::Relayed);
    store_.insertSession(r);
    return r.sessionId;
  }

  std::string token(core::Role role, const std::string& data = "", const std::string& sid = {}) {
    core::TokenMinter::Options o;
    o.role = role;
    o.createTime = core::Clock::nowSeconds();
    o.connectionData = data;
    return core::TokenMinter::jwt(kKey, kSecret, sid.empty() ? sessionId_ : sid, o);
  }

  std::string base(const std::string& sid = {}) const {
    return "/v2/partner/" + std::string(kKey) + "/session/" + (sid.empty() ? sessionId_ : sid);
  }

  InboundRequest request(const std::string& method, const std::string& suffix,
                         Json content = Json::object(), const std::string& sid = {}) {
    InboundRequest r;
    r.method = method;
    r.uri = base(sid) + suffix;
    r.params = {{"partner", kKey}, {"session", sid.empty() ? sessionId_ : sid}};
    // Pairs after the session, as signaling/ decodes them.
    std::vector<std::string> segs;
    std::string s = suffix;
    std::size_t i = 1;
    while (i <= s.size()) {
      std::size_t j = s.find('/', i);
      if (j == std::string::npos) j = s.size();
      segs.push_back(s.substr(i, j - i));
      i = j + 1;
    }
    std::string last = "session";
    for (std::size_t k = 0; k + 1 < segs.size(); k += 2) {
      r.params[segs[k]] = segs[k + 1];
      last = segs[k];
    }
    if (last == "channel")
      last = r.params.count("subscriber") ? "subscriber_channel" : "stream_channel";
    r.resource = last;
    r.content = std::move(content);
    return r;
  }

  Reply join(const std::string& id, core::Role role, const std::string& data = "") {
    return manager_.connect(id, token(role, data), request("create", "/connection/" + id));
  }

  Reply publish(const std::string& connectionId, const std::string& streamId) {
    Json channels =
        Json::array({Json::object({{"id", "video1"},
                                   {"type", "video"},
                                   {"active", true},
                                   {"width", 640},
                                   {"height", 480},
                                   {"source", "camera"}}),
                     Json::object({{"id", "audio1"}, {"type", "audio"}, {"active", true}})});
    return manager_.handle(
        connectionId,
        request("create", "/stream/" + streamId,
                Json::object({{"id", streamId}, {"name", "cam"}, {"channel", channels}})));
  }

  double now_ = 1000;
  store::SqliteStore store_;
  SessionManager manager_;
  RecordingOutput output_;
  RecordingListener listener_;
  std::string sessionId_;
};

TEST_F(SessionManagerTest, ConnectRepliesWithStateAndAnnouncesToEveryone) {
  auto a = join("conn-a", core::Role::Moderator, "name=a");
  ASSERT_EQ(a.status, 200);
  ASSERT_TRUE(a.payload.find("connection")->isArray());
  EXPECT_EQ(a.payload.find("connection")->size(), 1u);
  EXPECT_TRUE(a.payload.find("stream")->isArray());
  EXPECT_TRUE(a.payload.find("archive")->isArray());
  EXPECT_EQ(output_.to("conn-a", "created").size(), 1u);  // its own `created`

  auto b = join("conn-b", core::Role::Subscriber);
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(b.payload.find("connection")->size(), 2u);
  auto seen = output_.to("conn-a", "created");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].message.content.getString("id"), "conn-b");
  const Json* perms = seen[1].message.content.find("permissions");
  ASSERT_TRUE(perms);
  EXPECT_EQ(perms->dump(), R"(["subscribe","signal"])");
  EXPECT_EQ(listener_.events.size(), 2u);
}

TEST_F(SessionManagerTest, ConnectRefusals) {
  EXPECT_EQ(manager_.connect("x", "garbage", request("create", "/connection/x")).status, 403);
  std::string other = addSession(core::MediaMode::Relayed);
  EXPECT_EQ(
      manager_
          .connect("x", token(core::Role::Publisher, "", other), request("create", "/connection/x"))
          .status,
      403);
  EXPECT_EQ(manager_.connect("x", token(core::Role::Publisher), request("create", "/connection/y"))
                .status,
            400);
  EXPECT_EQ(manager_
                .connect("bad id!", token(core::Role::Publisher),
                         request("create", "/connection/bad id!"))
                .status,
            400);
  EXPECT_EQ(manager_.liveSessionCount(), 0u);
  ASSERT_EQ(join("c1", core::Role::Publisher).status, 200);
  ASSERT_EQ(join("c2", core::Role::Publisher).status, 200);
  ASSERT_EQ(join("c3", core::Role::Publisher).status, 200);
  auto full = join("c4", core::Role::Publisher);
  EXPECT_EQ(full.payload.getString("reason"), "connectionLimitExceeded");
  EXPECT_FALSE(manager_.isConnected("c4"));
}

TEST_F(SessionManagerTest, RetriedConnectKeepsOneConnection) {
  const std::string t = token(core::Role::Publisher);
  ASSERT_EQ(manager_.connect("c1", t, request("create", "/connection/c1")).status, 200);
  ASSERT_EQ(manager_.connect("c1", t, request("create", "/connection/c1")).status, 200);
  EXPECT_EQ(manager_.connectionCount(), 1u);
  EXPECT_EQ(output_.to("c1", "created").size(), 2u);
}

TEST_F(SessionManagerTest, PublishAnnouncesAndChannelUpdatesEcho) {
  join("pub", core::Role::Publisher);
  join("sub", core::Role::Subscriber);
  ASSERT_EQ(publish("pub", "s1").status, 200);
  auto created = output_.to("sub", "created");
  ASSERT_FALSE(created.empty());
  const auto& stream = created.back().message.content;
  EXPECT_EQ(stream.getString("id"), "s1");
  EXPECT_EQ(stream.find("connection")->getString("id"), "pub");
  EXPECT_EQ(output_.to("pub", "created").back().message.content.getString("id"), "s1");

  auto update = manager_.handle(
      "pub", request("update", "/stream/s1/channel/audio1", Json::object({{"active", false}})));
  EXPECT_EQ(update.status, 200);
  EXPECT_EQ(output_.to("sub", "updated").size(), 1u);
  EXPECT_EQ(output_.to("pub", "updated").size(), 1u);
  EXPECT_FALSE(manager_.streams(sessionId_)[0]->hasAudio());
  // Only the owner may change a stream's channels.
  EXPECT_EQ(manager_
                .handle("sub", request("update", "/stream/s1/channel/audio1",
                                       Json::object({{"active", true}})))
                .status,
            403);
}

TEST_F(SessionManagerTest, RolesAreEnforced) {
  join("sub", core::Role::Subscriber);
  join("only", core::Role::PublisherOnly);
  join("pub", core::Role::Publisher);
  EXPECT_EQ(publish("sub", "s0").status, 403);
  ASSERT_EQ(publish("pub", "s1").status, 200);
  EXPECT_EQ(manager_.handle("only", request("create", "/stream/s1/subscriber/w1")).status, 403);
  EXPECT_EQ(manager_.handle("pub", request("delete", "/connection/sub")).status, 403);
  EXPECT_EQ(manager_.handle("only", request("delete", "/stream/s1")).status, 403);
  EXPECT_EQ(manager_
                .handle("pub",
                        request("update", "", Json::object({{"reason", "mute"}, {"active", true}})))
                .status,
            403);
  EXPECT_EQ(manager_.connectionCount(), 3u);
  EXPECT_EQ(manager_.streams(sessionId_).size(), 1u);
}

TEST_F(SessionManagerTest, StreamLimitsAndDuplicates) {
  join("pub", core::Role::Publisher);
  ASSERT_EQ(publish("pub", "s1").status, 200);
  EXPECT_EQ(publish("pub", "s1").status, 409);
  ASSERT_EQ(publish("pub", "s2").status, 200);
  auto third = publish("pub", "s3");
  EXPECT_EQ(third.status, 409);
  EXPECT_EQ(third.payload.getString("reason"), "streamLimitExceeded");
}

TEST_F(SessionManagerTest, RoutedPublishIsRefusedUntilMediaExists) {
  std::string routed = addSession(core::MediaMode::Routed);
  ASSERT_EQ(manager_
                .connect("r", token(core::Role::Publisher, "", routed),
                         request("create", "/connection/r", {}, routed))
                .status,
            200);
  auto r = manager_.handle("r", request("create", "/stream/s1", Json::object(), routed));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.payload.getString("reason"), "routedMediaUnavailable");
}

TEST_F(SessionManagerTest, RelayedNegotiationIsRelayedBetweenThePeers) {
  join("pub", core::Role::Publisher);
  join("sub", core::Role::Subscriber);
  join("other", core::Role::Moderator);
  publish("pub", "s1");
  ASSERT_EQ(manager_.handle("sub", request("create", "/stream/s1/subscriber/w1")).status, 200);
  auto offers = output_.to("pub", "generateoffer");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].message.from, "sub");
  EXPECT_EQ(offers[0].message.content.getString("sourceStreamId"), "P2P");
  EXPECT_TRUE(offers[0].message.content.getString("peerId"));

  Json offer =
      Json::object({{"type", "offer"}, {"sdp", "v=0"}, {"peerId", "p"}, {"sourceStreamId", "P2P"}});
  ASSERT_EQ(manager_.handle("pub", request("offer", "/stream/s1/subscriber/w1", offer)).status,
            200);
  auto relayed = output_.to("sub", "offer");
  ASSERT_EQ(relayed.size(), 1u);
  EXPECT_EQ(relayed[0].message.from, "pub");
  EXPECT_EQ(relayed[0].message.content, offer);
  ASSERT_EQ(manager_.handle("sub", request("answer", "/stream/s1/subscriber/w1", offer)).status,
            200);
  EXPECT_EQ(output_.to("pub", "answer").size(), 1u);
  EXPECT_EQ(
      manager_.handle("other", request("candidate", "/stream/s1/subscriber/w1", offer)).status,
      403);

  ASSERT_EQ(manager_.handle("sub", request("delete", "/stream/s1/subscriber/w1")).status, 200);
  auto deleted = output_.to("pub", "deleted");
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].message.uri, base() + "/stream/s1/subscriber/w1");
  EXPECT_EQ(manager_.handle("sub", request("create", "/stream/nope/subscriber/w2")).status, 404);
}

TEST_F(SessionManagerTest, SignalsBroadcastTargetAndValidate) {
  join("a", core::Role::Publisher);
  join("b", core::Role::Subscriber);
  auto sig = [&](const std::string& suffix, Json content) {
    return manager_.handle("a", request("signal", suffix, content));
  };
  ASSERT_EQ(sig("/signal/1", Json::object({{"type", "chat"}, {"data", "hi"}})).status, 200);
  EXPECT_EQ(output_.to("a", "signal").size(), 1u);  // the sender too
  ASSERT_EQ(output_.to("b", "signal").size(), 1u);
  EXPECT_EQ(output_.to("b", "signal")[0].message.from, "a");
  ASSERT_EQ(sig("/connection/b/signal/2", Json::object({{"data", "only b"}})).status, 200);
  EXPECT_EQ(output_.to("a", "signal").size(), 1u);
  EXPECT_EQ(output_.to("b", "signal").size(), 2u);
  // The session id in the connection slot means everyone.
  now_ += 10;
  ASSERT_EQ(sig("/connection/" + sessionId_ + "/signal/3", Json::object()).status, 200);
  EXPECT_EQ(output_.to("a", "signal").size(), 2u);
  EXPECT_EQ(sig("/connection/ghost/signal/4", Json::object()).status, 404);
  EXPECT_EQ(sig("/signal/5", Json::object({{"type", std::string(129, 'x')}})).status, 400);
  EXPECT_EQ(sig("/signal/6", Json::object({{"type", "a b"}})).status, 400);
  EXPECT_EQ(sig("/signal/7", Json::object({{"data", std::string(8200, 'x')}})).status, 413);
}

TEST_F(SessionManagerTest, SignalRateIsLimitedPerConnection) {
  join("a", core::Role::Publisher);
  int ok = 0, limited = 0;
  for (int i = 0; i < 6; ++i) {
    int status = manager_.handle("a", request("signal", "/signal/x", Json::object())).status;
    if (status == 200) ++ok;
    if (status == 429) ++limited;
  }
  EXPECT_EQ(ok, 3);  // the burst
  EXPECT_EQ(limited, 3);
  now_ += 2;  // refills at 1/s
  EXPECT_EQ(manager_.handle("a", request("signal", "/signal/x", Json::object())).status, 200);
}

TEST_F(SessionManagerTest, ForceDisconnectRemovesStreamsThenConnectionAndDetaches) {
  join("mod", core::Role::Moderator);
  join("pub", core::Role::Publisher);
  publish("pub", "s1");
  ASSERT_EQ(manager_.handle("mod", request("delete", "/connection/pub")).status, 200);
  auto streamDeleted = output_.to("mod", "deleted");
  ASSERT_EQ(streamDeleted.size(), 2u);
  EXPECT_EQ(streamDeleted[0].message.uri, base() + "/stream/s1");
  EXPECT_EQ(streamDeleted[0].message.reason, "forceDisconnected");
  EXPECT_EQ(streamDeleted[1].message.uri, base() + "/connection/pub");
  EXPECT_EQ(output_.to("pub", "deleted").back().message.reason, "forceDisconnected");
  EXPECT_EQ(output_.detached, std::vector<std::string>{"pub"});
  EXPECT_FALSE(manager_.isConnected("pub"));
  EXPECT_EQ(listener_.events.back(), "connectionDestroyed pub forceDisconnected");
  EXPECT_EQ(listener_.events[listener_.events.size() - 2], "streamDestroyed s1 forceDisconnected");
}

TEST_F(SessionManagerTest, ForceUnpublishAndMute) {
  join("mod", core::Role::Moderator);
  join("pub", core::Role::Publisher);
  publish("pub", "s1");
  publish("pub", "s2");
  ASSERT_EQ(manager_
                .handle("mod", request("update", "/stream/s1",
                                       Json::object({{"reason", "mute"},
                                                     {"active", true},
                                                     {"channels", Json::array({"audio"})}})))
                .status,
            200);
  ASSERT_EQ(output_.to("pub", "update").size(), 1u);
  EXPECT_EQ(output_.to("pub", "update")[0].message.content.dump(),
            R"({"reason":"mute","active":true,"channels":["audio"]})");

  ASSERT_EQ(manager_
                .handle("mod", request("update", "",
                                       Json::object({{"reason", "mute"},
                                                     {"active", true},
                                                     {"exclusion", Json::array({"s2"})}})))
                .status,
            200);
  EXPECT_EQ(output_.to("pub", "update").size(), 3u);  // s1 again + the session update; s2 excluded
  EXPECT_EQ(output_.to("mod", "update").back().message.uri, base());
  auto late = join("late", core::Role::Subscriber);
  EXPECT_EQ(late.payload.find("mute")->getBool("active"), true);

  ASSERT_EQ(manager_.handle("mod", request("delete", "/stream/s1")).status, 200);
  EXPECT_EQ(output_.to("late", "deleted").back().message.reason, "forceUnpublished");
  EXPECT_EQ(manager_.handle("mod", request("delete", "/stream/s1")).status, 404);
}

TEST_F(SessionManagerTest, DisconnectCleansUpAndForgetsEmptySessions) {
  join("pub", core::Role::Publisher);
  join("sub", core::Role::Subscriber);
  publish("pub", "s1");
  manager_.handle("sub", request("create", "/stream/s1/subscriber/w1"));
  manager_.disconnect("sub", "networkDisconnected");
  EXPECT_EQ(output_.to("pub", "deleted").front().message.uri, base() + "/stream/s1/subscriber/w1");
  EXPECT_EQ(output_.to("pub", "deleted").back().message.reason, "networkDisconnected");
  manager_.disconnect("pub", "clientDisconnected");
  EXPECT_EQ(manager_.liveSessionCount(), 0u);
  EXPECT_EQ(manager_.connectionCount(), 0u);
}

TEST_F(SessionManagerTest, ServerSignalsHaveAnEmptySender) {
  join("a", core::Role::Publisher);
  auto r = manager_.signalFromServer(sessionId_, std::nullopt, Json("note"), Json("x"));
  EXPECT_EQ(r.outcome, SessionManager::Outcome::Ok);
  ASSERT_EQ(output_.to("a", "signal").size(), 1u);
  EXPECT_EQ(output_.to("a", "signal")[0].message.from, "");
  EXPECT_EQ(
      manager_.signalFromServer(sessionId_, std::string_view("ghost"), Json(), Json()).outcome,
      SessionManager::Outcome::NotFound);
  EXPECT_EQ(
      manager_.signalFromServer(addSession(core::MediaMode::Relayed), std::nullopt, Json(), Json())
          .outcome,
      SessionManager::Outcome::NotFound);
  EXPECT_EQ(manager_.signalFromServer(sessionId_, std::nullopt, Json("bad type"), Json()).outcome,
            SessionManager::Outcome::Invalid);
}

}  // namespace
}  // namespace parley::session

namespace parley::session {
namespace {

// A connection id is public: repeating `connection create` for it only works with the
// identity it was created with (docs/protocol.md §1.3).
TEST_F(SessionManagerTest, RetriedConnectWithAnotherTokenIsRefused) {
  const std::string own = token(core::Role::Moderator, "name=mod");
  ASSERT_EQ(manager_.connect("victim", own, request("create", "/connection/victim")).status, 200);
  EXPECT_EQ(join("victim", core::Role::Subscriber, "name=mod").status, 403);
  EXPECT_EQ(join("victim", core::Role::Moderator, "name=other").status, 403);
  EXPECT_EQ(join("victim", core::Role::Publisher, "").status, 403);
  // Another participant's token with the very same claims proves nothing either.
  EXPECT_EQ(join("victim", core::Role::Moderator, "name=mod").status, 403);
  EXPECT_EQ(output_.to("victim", "created").size(), 1u) << "refusals send nothing to the owner";
  ASSERT_EQ(manager_.connect("victim", own, request("create", "/connection/victim")).status, 200)
      << "the client's own token may retry";
  EXPECT_EQ(manager_.connectionCount(), 1u);
}

TEST_F(SessionManagerTest, ConnectionIdOfAnotherSessionIsRefused) {
  ASSERT_EQ(join("shared-id", core::Role::Publisher).status, 200);
  std::string other = addSession(core::MediaMode::Relayed);
  auto r = manager_.connect("shared-id", token(core::Role::Publisher, "", other),
                            request("create", "/connection/shared-id", Json::object(), other));
  EXPECT_EQ(r.status, 409);
  EXPECT_TRUE(manager_.isConnected("shared-id"));
}

TEST_F(SessionManagerTest, ChannelUpdatesKeepOnlyKnownShortAttributes) {
  join("pub", core::Role::Publisher);
  join("sub", core::Role::Subscriber);
  ASSERT_EQ(publish("pub", "s1").status, 200);
  Json update = Json::object({{"active", false},
                              {"width", 320},
                              {"junk", std::string(200000, 'x')},
                              {"fitMode", std::string(100, 'y')},
                              {"id", "audio9"},
                              {"type", "data"},
                              {"nested", Json::object({{"a", 1}})}});
  ASSERT_EQ(manager_.handle("pub", request("update", "/stream/s1/channel/video1", update)).status,
            200);
  auto echoed = output_.to("sub", "updated");
  ASSERT_EQ(echoed.size(), 1u);
  EXPECT_EQ(echoed[0].message.content.dump(), R"({"active":false,"width":320})");
  const Stream* st = manager_.session(sessionId_)->stream("s1");
  ASSERT_TRUE(st);
  const Json* video = st->channel("video1");
  ASSERT_TRUE(video);
  EXPECT_EQ(video->getString("type"), "video");
  EXPECT_FALSE(video->find("junk"));
  EXPECT_LT(st->channels.dump().size(), 400u);
}

TEST_F(SessionManagerTest, StreamDescriptionsAreBounded) {
  join("pub", core::Role::Publisher);
  Json many = Json::array();
  for (int i = 0; i < 9; ++i)
    many.push(Json::object({{"id", "c" + std::to_string(i)}, {"type", "data"}}));
  EXPECT_EQ(
      manager_.handle("pub", request("create", "/stream/s1", Json::object({{"channel", many}})))
          .status,
      400);
  Json big = Json::object({{"customProperties", Json::object({{"x", std::string(5000, 'x')}})}});
  EXPECT_EQ(manager_.handle("pub", request("create", "/stream/s2", big)).status, 413);
  Json badChannel = Json::array({Json::object({{"type", "video"}})});
  EXPECT_EQ(
      manager_
          .handle("pub", request("create", "/stream/s3", Json::object({{"channel", badChannel}})))
          .status,
      400);
  EXPECT_EQ(manager_.session(sessionId_)->streams.size(), 0u);
}

TEST_F(SessionManagerTest, OneSubscriptionPerConnectionAndStream) {
  join("pub", core::Role::Publisher);
  join("sub", core::Role::Subscriber);
  ASSERT_EQ(publish("pub", "s1").status, 200);
  const auto offersBefore = output_.to("pub", "generateoffer").size();
  ASSERT_EQ(manager_.handle("sub", request("create", "/stream/s1/subscriber/sub-1")).status, 200);
  for (int i = 2; i < 50; ++i) {
    auto r =
        manager_.handle("sub", request("create", "/stream/s1/subscriber/sub-" + std::to_string(i)));
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.payload.getString("reason"), "alreadySubscribed");
  }
  EXPECT_EQ(manager_.handle("sub", request("create", "/stream/s1/subscriber/sub-1")).status, 409);
  EXPECT_EQ(output_.to("pub", "generateoffer").size(), offersBefore + 1);
  ASSERT_EQ(manager_.handle("sub", request("delete", "/stream/s1/subscriber/sub-1")).status, 200);
  EXPECT_EQ(manager_.handle("sub", request("create", "/stream/s1/subscriber/sub-2")).status, 200)
      << "after unsubscribing, subscribing again works";
}

// docs/protocol.md §8.7: a client's `e2ee` must match the session's, or OpenTok's 405 (what
// OpenTok.js turns into OT_STREAM_CREATE_FAILED / OT_UNABLE_TO_SUBSCRIBE). The rule does not
// depend on the media mode, so a relayed record (no SFU needed here) carries the flag.
TEST_F(SessionManagerTest, EncryptionMustMatchTheSession) {
  store::SessionRecord r;
  r.apiKey = kKey;
  r.properties.mediaMode = core::MediaMode::Relayed;
  r.properties.e2ee = true;
  r.createdAtMs = core::Clock::nowMs();
  r.sessionId = core::SessionId::generate(kKey, "", r.createdAtMs, true);
  store_.insertSession(r);
  const std::string sid = r.sessionId;
  for (const std::string id : {"pub", "sub"})
    ASSERT_EQ(manager_
                  .connect(id, token(core::Role::Publisher, "", sid),
                           request("create", "/connection/" + id, {}, sid))
                  .status,
              200);
  auto stream = [&](const std::string& id, const Json& e2ee) {
    Json content = Json::object({{"id", id}, {"name", "cam"}});
    if (!e2ee.isNull()) content.set("e2ee", e2ee);
    return manager_.handle("pub", request("create", "/stream/" + id, content, sid));
  };
  for (const Json& e2ee : {Json(false), Json()}) {
    auto refused = stream("plain", e2ee);
    EXPECT_EQ(refused.status, 405);
    EXPECT_EQ(refused.payload.getString("reason"), "IncompatibleEncryptionSettings");
  }
  ASSERT_EQ(stream("s1", Json(true)).status, 200);
  auto subscribe = [&](const std::string& subId, const Json& e2ee) {
    Json content = Json::object();
    if (!e2ee.isNull()) content.set("e2ee", e2ee);
    return manager_.handle("sub",
                           request("create", "/stream/s1/subscriber/" + subId, content, sid));
  };
  auto refused = subscribe("sub-1", Json(false));
  EXPECT_EQ(refused.status, 405);
  EXPECT_EQ(refused.payload.getString("reason"), "IncompatibleEncryptionSettings");
  EXPECT_EQ(subscribe("sub-2", Json(true)).status, 200);

  // And the other way: a session without e2ee takes no encrypted stream.
  join("plain-pub", core::Role::Publisher);
  auto encrypted = manager_.handle(
      "plain-pub", request("create", "/stream/e1",
                           Json::object({{"id", "e1"}, {"name", "cam"}, {"e2ee", true}})));
  EXPECT_EQ(encrypted.status, 405);
  EXPECT_EQ(publish("plain-pub", "p1").status, 200);
}

}  // namespace
}  // namespace parley::session
