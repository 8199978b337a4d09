#include "signaling/SignalingServer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/Clock.h"
#include "core/SessionId.h"
#include "core/TokenMinter.h"
#include "signaling/RaptorMessage.h"
#include "store/SqliteStore.h"

namespace parley::signaling {
namespace {

using core::Json;
using Type = RumorFrame::Type;

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";

// The sending half of a WebSocket, recording what the server does with it.
class FakeSink : public http::WebSocketSink {
 public:
  void sendBinary(std::string_view message) override {
    if (closeCode) return;
    auto frame = RumorFrame::parse(message, {});
    ASSERT_TRUE(frame);
    frames.push_back(std::move(*frame));
    raw.emplace_back(message);
  }
  void close(std::uint16_t code) override {
    if (!closeCode) closeCode = code;
  }
  const std::string& remoteAddress() const override { return remote; }

  // Raptor messages (method, uri) received.
  std::vector<RaptorMessage> messages(std::string_view method = {}) const {
    std::vector<RaptorMessage> out;
    for (const auto& f : frames) {
      if (!f.is(Type::Message)) continue;
      auto m = RaptorMessage::parse(f.payload);
      if (m && (method.empty() || m->method == method)) out.push_back(*m);
    }
    return out;
  }
  std::optional<int> status(std::string_view txid) const {
    for (const auto& f : frames)
      if (f.is(Type::Status) && f.header("TRANSACTION-ID") == txid && f.header("STATUS"))
        return std::stoi(std::string(*f.header("STATUS")));
    return std::nullopt;
  }

  std::string remote = "192.0.2.7:4000";
  std::vector<RumorFrame> frames;
  std::vector<std::string> raw;  // frames[i] as sent
  std::uint16_t closeCode = 0;
};

struct Client {
  std::shared_ptr<http::WebSocketHandler> handler;
  std::shared_ptr<FakeSink> sink;
  int next = 0;
};

class SignalingServerTest : public ::testing::Test {
 protected:
  SignalingServerTest()
      : store_(":memory:"),
        sessions_(store_, {},
                  [](std::string_view key) -> std::optional<std::string> {
                    if (key == kKey) return std::string(kSecret);
                    return std::nullopt;
                  }),
        server_(io_, sessions_, settings()) {
    store_.insertProject({kKey, kSecret, "test", 1});
    sessionId_ = addSession();
  }

  static SignalingServer::Settings settings() {
    SignalingServer::Settings s;
    s.joinTimeout = std::chrono::milliseconds(5000);
    s.reconnectGrace = std::chrono::milliseconds(10000);  // shorter than the silence timeout
    return s;
  }

  std::string addSession() {
    store::SessionRecord r;
    r.apiKey = kKey;
    r.properties.mediaMode = core::MediaMode::Relayed;
    r.createdAtMs = core::Clock::nowMs();
    r.sessionId = core::SessionId::generate(kKey, "", r.createdAtMs, true);
    store_.insertSession(r);
    return r.sessionId;
  }

  std::string token(core::Role role, const std::string& data, const std::string& sid = {}) {
    core::TokenMinter::Options o;
    o.role = role;
    o.createTime = core::Clock::nowSeconds();
    o.connectionData = data;
    return core::TokenMinter::jwt(kKey, kSecret, sid.empty() ? sessionId_ : sid, o);
  }

  Client open(const std::string& socketId = {}, bool reconnect = false) {
    http::HttpRequest r;
    r.path = std::string(SignalingServer::kPath);
    if (!socketId.empty()) r.query = "socketId=" + socketId + (reconnect ? "&reconnect=true" : "");
    r.remoteAddress = "192.0.2.7:4000";
    Client c{server_.accept(r), std::make_shared<FakeSink>()};
    EXPECT_TRUE(c.handler);
    c.handler->onOpen(c.sink);
    return c;
  }

  static void frame(Client& c, Type type, std::vector<std::pair<std::string, std::string>> headers,
                    std::string payload = {}) {
    RumorFrame f;
    f.type = static_cast<std::uint8_t>(type);
    f.headers = std::move(headers);
    f.payload = std::move(payload);
    c.handler->onMessage(f.serialize(), true);
  }

  // Sends a Raptor request; returns its transaction id.
  std::string request(Client& c, const std::string& method, const std::string& suffix,
                      Json content = Json::object(), const std::string& tokenHeader = {},
                      const std::string& sid = {}) {
    std::string txid = "tx-" + std::to_string(++c.next);
    Json body = Json::object({{"method", method},
                              {"uri", "/v2/partner/" + std::string(kKey) + "/session/" +
                                          (sid.empty() ? sessionId_ : sid) + suffix},
                              {"content", std::move(content)}});
    std::vector<std::pair<std::string, std::string>> headers = {{"TRANSACTION-ID", txid}};
    if (!tokenHeader.empty()) headers.emplace_back("X-TB-TOKEN-AUTH", tokenHeader);
    frame(c, Type::Message, std::move(headers), body.dump());
    return txid;
  }

  // CONNECT + connection create; returns the create's STATUS.
  std::optional<int> join(Client& c, const std::string& id, core::Role role,
                          const std::string& data, const std::string& sid = {}) {
    return joinWith(c, id, token(role, data, sid), sid);
  }
  std::optional<int> joinWith(Client& c, const std::string& id, const std::string& tokenString,
                              const std::string& sid = {}) {
    frame(c, Type::Connect, {{"uniqueId", id}});
    auto txid = request(c, "create", "/connection/" + id, Json::object(), tokenString, sid);
    return c.sink->status(txid);
  }

  boost::asio::io_context io_;
  store::SqliteStore store_;
  session::SessionManager sessions_;
  SignalingServer server_;
  std::string sessionId_;
};

TEST_F(SignalingServerTest, ConnectWithSomeoneElsesIdGrantsNothing) {
  Client victim = open("victim-socket");
  ASSERT_EQ(join(victim, "victim", core::Role::Moderator, "name=mod"), 200);
  Client other = open();
  ASSERT_EQ(join(other, "other", core::Role::Publisher, "name=pub"), 200);

  Client attacker = open("attacker-socket");
  frame(attacker, Type::Connect, {{"uniqueId", "victim"}});
  EXPECT_EQ(victim.sink->closeCode, 0) << "the owner's socket stays open";
  // Acting as the victim without creating is refused.
  auto tx = request(attacker, "signal", "/signal/1", Json::object({{"type", "x"}, {"data", "hi"}}));
  EXPECT_EQ(attacker.sink->status(tx), 403);
  tx = request(attacker, "delete", "/connection/other");
  EXPECT_EQ(attacker.sink->status(tx), 403);
  EXPECT_TRUE(sessions_.isConnected("other"));
  // A private signal to the victim still reaches the victim only.
  request(other, "signal", "/connection/victim/signal/1",
          Json::object({{"type", "secret"}, {"data", "x"}}));
  EXPECT_EQ(victim.sink->messages("signal").size(), 1u);
  EXPECT_EQ(attacker.sink->messages("signal").size(), 0u);
  EXPECT_EQ(victim.sink->closeCode, 0);
}

TEST_F(SignalingServerTest, CreateForAnExistingIdNeedsItsOwnToken) {
  const std::string own = token(core::Role::Moderator, "name=mod");
  Client victim = open("victim-socket");
  ASSERT_EQ(joinWith(victim, "victim", own), 200);
  Client attacker = open("attacker-socket");
  EXPECT_EQ(join(attacker, "victim", core::Role::Subscriber, "name=mod"), 403);
  EXPECT_EQ(join(attacker, "victim", core::Role::Moderator, "name=someone"), 403);
  EXPECT_EQ(join(attacker, "victim", core::Role::Moderator, "name=mod"), 403)
      << "equal claims, another participant's token";
  EXPECT_EQ(victim.sink->closeCode, 0);
  // The victim still speaks for its connection.
  auto tx = request(victim, "signal", "/signal/1", Json::object({{"type", "x"}, {"data", "y"}}));
  EXPECT_EQ(victim.sink->status(tx), 200);
  EXPECT_EQ(attacker.sink->messages("signal").size(), 0u);

  // The client's own connect retry (a new socket, the same token) takes over.
  Client retry = open("retry-socket");
  EXPECT_EQ(joinWith(retry, "victim", own), 200);
  EXPECT_EQ(victim.sink->closeCode, 1000) << "newest socket wins once it proved the identity";
  EXPECT_EQ(retry.sink->messages("created").size(), 1u);
  tx = request(retry, "signal", "/signal/2", Json::object({{"type", "x"}, {"data", "y"}}));
  EXPECT_EQ(retry.sink->status(tx), 200);
}

TEST_F(SignalingServerTest, AnIdInUseInAnotherSessionLeavesTheOwnerAlone) {
  Client victim = open("victim-socket");
  ASSERT_EQ(join(victim, "victim", core::Role::Publisher, "a"), 200);
  std::string other = addSession();
  Client attacker = open("attacker-socket");
  EXPECT_EQ(join(attacker, "victim", core::Role::Publisher, "a", other), 409);
  EXPECT_EQ(victim.sink->closeCode, 0);
  EXPECT_TRUE(sessions_.isConnected("victim"));
}

TEST_F(SignalingServerTest, ReconnectionNeedsTheSocketIdOfTheConnection) {
  Client victim = open("victim-socket");
  ASSERT_EQ(join(victim, "victim", core::Role::Publisher, "a"), 200);
  Client guess = open("guessed-socket", true);
  EXPECT_EQ(guess.sink->closeCode, 1011);
  EXPECT_EQ(victim.sink->closeCode, 0);
  // CONNECT with the victim's id and a socketId already bound elsewhere is refused too.
  Client borrow = open("victim-socket");
  frame(borrow, Type::Connect, {{"uniqueId", "borrower"}});
  EXPECT_EQ(borrow.sink->closeCode, 1008);

  Client back = open("victim-socket", true);
  EXPECT_EQ(back.sink->closeCode, 0);
  EXPECT_EQ(victim.sink->closeCode, 1000);
  auto tx = request(back, "signal", "/signal/1", Json::object({{"type", "x"}, {"data", "y"}}));
  EXPECT_EQ(back.sink->status(tx), 200);
}

TEST_F(SignalingServerTest, SocketsThatNeverJoinAreClosedWhateverTheySend) {
  Client idle = open();
  Client claimed = open("s1");
  frame(claimed, Type::Connect, {{"uniqueId", "never-created"}});
  Client member = open("s2");
  ASSERT_EQ(join(member, "member", core::Role::Publisher, "a"), 200);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    frame(idle, Type::Ping, {});
    frame(claimed, Type::Ping, {});
    frame(member, Type::Ping, {});
  }
  server_.sweep(t0 + std::chrono::milliseconds(1000));
  EXPECT_EQ(idle.sink->closeCode, 0);
  server_.sweep(t0 + std::chrono::milliseconds(6000));
  EXPECT_EQ(idle.sink->closeCode, 4010);
  EXPECT_EQ(claimed.sink->closeCode, 4010);
  EXPECT_EQ(member.sink->closeCode, 0);
  EXPECT_EQ(server_.socketCount(), 1u);
}

TEST_F(SignalingServerTest, ASweepStepLooksAtItsShareOfTheSocketsOnly) {
  std::vector<Client> idle;
  for (int i = 0; i < 60; ++i) idle.push_back(open());
  auto closed = [&] {
    return std::count_if(idle.begin(), idle.end(),
                         [](const Client& c) { return c.sink->closeCode == 4010; });
  };
  auto late = std::chrono::steady_clock::now() + std::chrono::milliseconds(6000);
  server_.sweepStep(late);
  EXPECT_EQ(closed(), 3) << "60 sockets over 25 steps: 3 a step";
  EXPECT_EQ(server_.socketCount(), 57u);
  for (std::size_t i = 0; i < 3 * SignalingServer::kSweepSteps; ++i) server_.sweepStep(late);
  EXPECT_EQ(closed(), 60);
  EXPECT_EQ(server_.socketCount(), 0u);
}

TEST_F(SignalingServerTest, OneRoundOfSweepStepsReachesEverySocket) {
  // Wherever the one socket that never joined sits in the order, the round reaches it and
  // leaves the others alone.
  std::vector<Client> members;
  for (int i = 0; i < 49; ++i) {
    const std::string id = "m" + std::to_string(i);
    members.push_back(open("socket-" + id));
    ASSERT_EQ(join(members.back(), id, core::Role::Publisher, "a"), 200);
  }
  Client idle = open();
  auto late = std::chrono::steady_clock::now() + std::chrono::milliseconds(6000);
  for (std::size_t i = 0; i < SignalingServer::kSweepSteps; ++i) server_.sweepStep(late);
  EXPECT_EQ(idle.sink->closeCode, 4010);
  for (const Client& m : members) EXPECT_EQ(m.sink->closeCode, 0);
  EXPECT_EQ(server_.socketCount(), 49u);
}

TEST_F(SignalingServerTest, AConnectionWhoseSocketStaysAwayEndsAfterTheGrace) {
  Client gone = open("sg");
  ASSERT_EQ(join(gone, "gone", core::Role::Publisher, "a"), 200);
  Client back = open("sb");
  ASSERT_EQ(join(back, "back", core::Role::Publisher, "b"), 200);
  gone.handler->onClose();
  back.handler->onClose();
  Client again = open("sb", true);
  auto withinGrace = std::chrono::steady_clock::now() + std::chrono::milliseconds(9000);
  server_.sweep(withinGrace);
  EXPECT_TRUE(sessions_.isConnected("gone"));
  // The steps the server takes by itself check the connections once a round.
  auto late = std::chrono::steady_clock::now() + std::chrono::milliseconds(11000);
  for (std::size_t i = 1; i < SignalingServer::kSweepSteps; ++i) server_.sweepStep(late);
  EXPECT_TRUE(sessions_.isConnected("gone"));
  server_.sweepStep(late);
  EXPECT_FALSE(sessions_.isConnected("gone"));
  EXPECT_TRUE(sessions_.isConnected("back")) << "its socket came back";
  EXPECT_EQ(again.sink->closeCode, 0);
  auto tx = request(again, "signal", "/signal/1", Json::object({{"type", "x"}, {"data", "y"}}));
  EXPECT_EQ(again.sink->status(tx), 200);
}

TEST_F(SignalingServerTest, TheSweepFollowsWhatEachSocketSpeaksForNow) {
  // Left its connection and keeps the socket open with pings: nothing to hold it for.
  Client left = open("s3");
  ASSERT_EQ(join(left, "left", core::Role::Publisher, "a"), 200);
  frame(left, Type::Disconnect, {});
  // Dropped and came back: the new socket carries the joined connection without a CONNECT.
  Client dropped = open("s4");
  ASSERT_EQ(join(dropped, "dropped", core::Role::Publisher, "b"), 200);
  dropped.handler->onClose();
  Client back = open("s4", true);
  // Joined, then its connection was taken over by a newer socket of the same client.
  Client old = open("s5");
  ASSERT_EQ(join(old, "moved", core::Role::Publisher, "c"), 200);
  Client newer = open("s5");
  frame(newer, Type::Connect, {{"uniqueId", "moved"}});
  auto t0 = std::chrono::steady_clock::now();
  for (Client* c : {&left, &back, &newer}) frame(*c, Type::Ping, {});
  server_.sweep(t0 + std::chrono::milliseconds(6000));
  EXPECT_EQ(left.sink->closeCode, 4010);
  EXPECT_EQ(back.sink->closeCode, 0);
  EXPECT_EQ(old.sink->closeCode, 1000);
  EXPECT_EQ(newer.sink->closeCode, 0);
}

TEST_F(SignalingServerTest, UnacknowledgedMessagesAreResentOnReconnectionAndAcksRelease) {
  Client a = open("sa");
  ASSERT_EQ(join(a, "a", core::Role::Publisher, "a"), 200);
  Client b = open("sb");
  ASSERT_EQ(join(b, "b", core::Role::Publisher, "b"), 200);
  // b acknowledges nothing; a acknowledges everything it gets.
  for (int i = 0; i < 5; ++i)
    request(a, "signal", "/signal/" + std::to_string(i), Json::object({{"data", "x"}}));
  for (const auto& f : a.sink->frames)
    if (f.is(Type::Message))
      frame(a, Type::Status, {{"TRANSACTION-ID", std::string(*f.header("TRANSACTION-ID"))}});
  // Both sockets drop and come back: only b gets its messages again.
  a.handler->onClose();
  b.handler->onClose();
  Client a2 = open("sa", true);
  Client b2 = open("sb", true);
  EXPECT_EQ(a2.sink->messages().size(), 0u);
  EXPECT_GE(b2.sink->messages("signal").size(), 5u);
  // What comes again is what was sent, byte for byte and in order (the buffer keeps the
  // message a fan-out shares and rebuilds each recipient's frame from it).
  auto messageFrames = [](const FakeSink& sink) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < sink.frames.size(); ++i)
      if (sink.frames[i].is(Type::Message)) out.push_back(sink.raw[i]);
    return out;
  };
  EXPECT_EQ(messageFrames(*b2.sink), messageFrames(*b.sink));
}

TEST_F(SignalingServerTest, AcknowledgementsCostAFractionOfTheFrameRate) {
  Client c = open("s");
  ASSERT_EQ(join(c, "c", core::Role::Publisher, "a"), 200);
  // Default burst: 400 frames. 3000 acknowledgements (of anything) fit in it.
  for (int i = 0; i < 3000; ++i)
    frame(c, Type::Status, {{"TRANSACTION-ID", "x" + std::to_string(i)}});
  EXPECT_EQ(c.sink->closeCode, 0);
  // Other frames pay in full: a flood of PINGs is cut off.
  for (int i = 0; i < 2000 && !c.sink->closeCode; ++i) frame(c, Type::Ping, {});
  EXPECT_EQ(c.sink->closeCode, 1008);
}

}  // namespace
}  // namespace parley::signaling
