#include "session/WhipWhepClients.h"

#include <gtest/gtest.h>

#include "core/Clock.h"
#include "core/TokenMinter.h"
#include "session/SessionCatalog.h"
#include "store/SqliteStore.h"

namespace parley::session {
namespace {

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";
constexpr const char* kOffer =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
    "a=rtpmap:111 opus/48000/2\r\n";

// Without an SFU, routed publishing is refused after the connect: what WhipWhepClients must undo.
class WhipWhepClientsTest : public ::testing::Test {
 protected:
  WhipWhepClientsTest()
      : store_(":memory:"),
        sessions_(store_, {},
                  [this](std::string_view key) -> std::optional<std::string> {
                    auto p = store_.findProject(key);
                    return p ? std::optional(p->secret) : std::nullopt;
                  }),
        catalog_(store_) {
    store_.insertProject({kKey, kSecret, "test", 1});
  }
  std::string session(core::MediaMode mode) {
    core::SessionProperties p;
    p.mediaMode = mode;
    return catalog_.create(kKey, p).sessionId;
  }
  std::string token(const std::string& sessionId, core::Role role = core::Role::Publisher) {
    core::TokenMinter::Options o;
    o.role = role;
    o.createTime = core::Clock::nowSeconds();
    return core::TokenMinter::jwt(kKey, kSecret, sessionId, o);
  }
  std::size_t connections(const std::string& sessionId) {
    const LiveSession* s = sessions_.session(sessionId);
    return s ? s->connections.size() : 0;
  }

  store::SqliteStore store_;
  SessionManager sessions_;
  SessionCatalog catalog_;
};

TEST_F(WhipWhepClientsTest, RefusalsLeaveNoConnectionBehind) {
  WhipWhepClients whip(sessions_, {});
  const std::string routed = session(core::MediaMode::Routed);
  const std::string relayed = session(core::MediaMode::Relayed);

  auto noMedia = whip.publish(kKey, routed, token(routed), kOffer, "x");
  EXPECT_EQ(noMedia.status, 409) << noMedia.message;
  EXPECT_EQ(connections(routed), 0u);

  auto p2p = whip.publish(kKey, relayed, token(relayed), kOffer, "x");
  EXPECT_EQ(p2p.status, 409);
  EXPECT_NE(p2p.message.find("routed"), std::string::npos) << p2p.message;
  EXPECT_EQ(connections(relayed), 0u);

  auto subscriber = whip.publish(kKey, routed, token(routed, core::Role::Subscriber), kOffer, "x");
  EXPECT_EQ(subscriber.status, 403) << subscriber.message;
  EXPECT_EQ(connections(routed), 0u);

  auto garbage = whip.publish(kKey, routed, token(routed), "not sdp", "x");
  EXPECT_EQ(garbage.status, 400);
  auto noMediaLines = whip.publish(kKey, routed, token(routed),
                                   "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "x");
  EXPECT_EQ(noMediaLines.status, 400);
  EXPECT_EQ(whip.size(), 0u);
  EXPECT_EQ(connections(routed), 0u);
}

TEST_F(WhipWhepClientsTest, ViewerRefusalsLeaveNoConnectionBehind) {
  WhipWhepClients clients(sessions_, {});
  const std::string routed = session(core::MediaMode::Routed);
  constexpr const char* kRecvOffer =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"
      "a=rtpmap:111 opus/48000/2\r\n";
  auto noStream = clients.view(kKey, routed, "no-such-stream", token(routed), kRecvOffer);
  EXPECT_EQ(noStream.status, 404) << noStream.message;
  auto publishOnly = clients.view(kKey, routed, "no-such-stream",
                                  token(routed, core::Role::PublisherOnly), kRecvOffer);
  EXPECT_EQ(publishOnly.status, 403) << publishOnly.message;
  const std::string relayed = session(core::MediaMode::Relayed);
  auto p2p = clients.view(kKey, relayed, "any-stream", token(relayed), kRecvOffer);
  EXPECT_EQ(p2p.status, 409) << p2p.message;
  EXPECT_EQ(connections(relayed), 0u);
  // An offer that only sends cannot watch anything.
  auto sendOnly = clients.view(kKey, routed, "x", token(routed), kOffer);
  EXPECT_EQ(sendOnly.status, 400) << sendOnly.message;
  EXPECT_EQ(clients.size(), 0u);
  EXPECT_EQ(connections(routed), 0u);
}

TEST_F(WhipWhepClientsTest, ServerWideAndPerSessionLimits) {
  const std::string routed = session(core::MediaMode::Routed);
  WhipWhepClients full(sessions_, WhipWhepClients::Settings{.maxResources = 0});
  EXPECT_EQ(full.publish(kKey, routed, token(routed), kOffer, "x").status, 503);
  // One session's token holders cannot take the server's whole share.
  WhipWhepClients perSession(sessions_, WhipWhepClients::Settings{.maxPerSession = 0});
  auto refused = perSession.publish(kKey, routed, token(routed), kOffer, "x");
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.message.find("session"), std::string::npos) << refused.message;
  EXPECT_EQ(connections(routed), 0u);
}

TEST_F(WhipWhepClientsTest, UnknownResourcesAreNotFound) {
  WhipWhepClients whip(sessions_, {});
  const std::string routed = session(core::MediaMode::Routed);
  EXPECT_EQ(whip.remove(routed, "no-such-resource", token(routed)), 404);
  whip.tick();  // nothing to do, nothing breaks
  EXPECT_EQ(whip.size(), 0u);
}

}  // namespace
}  // namespace parley::session
