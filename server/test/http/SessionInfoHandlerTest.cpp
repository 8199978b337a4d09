#include "http/SessionInfoHandler.h"

#include "http/ApiServer.h"

#include <gtest/gtest.h>

#include "core/Base64.h"
#include "core/Clock.h"
#include "core/Crypto.h"
#include "core/TokenMinter.h"
#include "store/SqliteStore.h"

namespace parley::http {
namespace {

using core::Json;

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";
constexpr const char* kTurnSecret = "coturn-shared-secret";

class SessionInfoHandlerTest : public ::testing::Test {
 protected:
  SessionInfoHandlerTest() : store_(":memory:"), catalog_(store_) {
    store_.insertProject({kKey, kSecret, "test", 1});
  }

  static SessionInfoHandler::Settings settings(SessionInfoHandler::Turn turn = {},
                                               std::string videoCodec = "vp8") {
    return {"http://127.0.0.1:5080", "127.0.0.1", 5090, std::move(turn), std::move(videoCodec)};
  }
  core::TokenVerifier::SecretLookup secrets() {
    return [this](std::string_view key) -> std::optional<std::string> {
      auto p = store_.findProject(key);
      return p ? std::optional(p->secret) : std::nullopt;
    };
  }

  // GET /session/{id} for a new session in `mode`; returns the info element.
  Json sessionInfo(SessionInfoHandler& handler, core::MediaMode mode,
                   std::string connectionId = "2f0e5a1c-33aa-4c1e-9d6b-0a1b2c3d4e5f",
                   std::string videoCodec = "") {
    core::SessionProperties p;
    p.mediaMode = mode;
    p.videoCodec = std::move(videoCodec);
    auto record = catalog_.create(kKey, p);
    core::TokenMinter::Options o;
    o.createTime = core::Clock::nowSeconds();
    HttpRequest r;
    r.method = "GET";
    r.headers = {{"X-OPENTOK-AUTH", core::TokenMinter::jwt(kKey, kSecret, record.sessionId, o)},
                 {"X-TB-CONNECTIONID", std::move(connectionId)}};
    auto response = handler.handle(r, record.sessionId);
    EXPECT_EQ(response.status, 200);
    auto body = Json::parse(response.body);
    EXPECT_TRUE(body && body->isArray() && body->size() == 1) << response.body;
    if (!body || !body->isArray() || body->size() != 1) return Json::object();
    EXPECT_FALSE(body->at(0).contains("error")) << response.body;
    return body->at(0);
  }

  store::SqliteStore store_;
  session::SessionCatalog catalog_;
};

TEST_F(SessionInfoHandlerTest, WithoutTurnOnlyTheStunEntry) {
  SessionInfoHandler handler(settings(), secrets(), catalog_);
  auto info = sessionInfo(handler, core::MediaMode::Routed);
  const Json* ice = info.find("ice_servers");
  ASSERT_TRUE(ice && ice->isArray());
  ASSERT_EQ(ice->size(), 1u);
  EXPECT_EQ(ice->at(0).find("urls")->at(0).asString(), "stun:127.0.0.1:5090");
  EXPECT_FALSE(ice->at(0).contains("username"));
  EXPECT_EQ(info.find("ice_credential_expiration")->asInt(), 86100);
}

std::string priorityCodec(const Json& info) {
  const Json* properties = info.find("properties");
  const Json* codec = properties ? properties->find("priorityVideoCodec") : nullptr;
  return codec && codec->isString() ? codec->asString() : "<missing>";
}

TEST_F(SessionInfoHandlerTest, PriorityVideoCodecComesFromSessionThenProjectThenServer) {
  SessionInfoHandler vp8Server(settings(), secrets(), catalog_);
  SessionInfoHandler h264Server(settings({}, "h264"), secrets(), catalog_);
  const std::string id = "2f0e5a1c-33aa-4c1e-9d6b-0a1b2c3d4e5f";
  EXPECT_EQ(priorityCodec(sessionInfo(vp8Server, core::MediaMode::Routed)), "vp8");
  EXPECT_EQ(priorityCodec(sessionInfo(h264Server, core::MediaMode::Routed)), "h264");
  EXPECT_EQ(priorityCodec(sessionInfo(h264Server, core::MediaMode::Relayed, id, "vp9")), "vp9");
  // A project's preference is copied into its new sessions; older ones keep theirs.
  ASSERT_TRUE(store_.updateProjectVideoCodec(kKey, "vp9"));
  EXPECT_EQ(priorityCodec(sessionInfo(h264Server, core::MediaMode::Routed)), "vp9");
  EXPECT_EQ(priorityCodec(sessionInfo(vp8Server, core::MediaMode::Routed, id, "h264")), "h264");
}

TEST(SessionCatalogTest, VideoCodecCreateOption) {
  auto parse = [](std::string value) {
    return session::SessionCatalog::parseCreateOptions(
        [value](std::string_view name) -> std::optional<std::string> {
          if (name == "videoCodec") return value;
          return std::nullopt;
        });
  };
  EXPECT_EQ(parse("H264").value().videoCodec, "h264");
  EXPECT_EQ(parse("vp9").value().videoCodec, "vp9");
  EXPECT_EQ(parse("").value().videoCodec, "");  // absent
  auto bad = parse("av1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("videoCodec"), std::string::npos);
}

TEST_F(SessionInfoHandlerTest, TurnServerWithRestApiCredentialsInRoutedAndRelayedSessions) {
  SessionInfoHandler::Turn turn;
  turn.urls = {"turn:turn.example.com:3478?transport=udp",
               "turn:turn.example.com:3478?transport=tcp", "turns:turn.example.com:443"};
  turn.secret = kTurnSecret;
  turn.ttlSeconds = 3600;
  SessionInfoHandler handler(settings(turn), secrets(), catalog_);
  for (auto mode : {core::MediaMode::Routed, core::MediaMode::Relayed}) {
    SCOPED_TRACE(std::string(core::mediaModeName(mode)));
    auto before = core::Clock::nowSeconds();
    auto info = sessionInfo(handler, mode);
    auto after = core::Clock::nowSeconds();
    const Json* ice = info.find("ice_servers");
    ASSERT_TRUE(ice && ice->isArray());
    ASSERT_EQ(ice->size(), 2u) << ice->dump();
    EXPECT_EQ(ice->at(0).find("urls")->at(0).asString(), "stun:127.0.0.1:5090");
    const Json& server = ice->at(1);
    const Json* urls = server.find("urls");
    ASSERT_TRUE(urls && urls->isArray());
    ASSERT_EQ(urls->size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(urls->at(i).asString(), turn.urls[i]);

    // "<expiry>:<connection id>", expiry = now + ttl.
    std::string username = server.getString("username").value_or("");
    auto colon = username.find(':');
    ASSERT_NE(colon, std::string::npos) << username;
    std::int64_t expiry = std::stoll(username.substr(0, colon));
    EXPECT_GE(expiry, before + 3600);
    EXPECT_LE(expiry, after + 3600);
    EXPECT_EQ(username.substr(colon + 1), "2f0e5a1c-33aa-4c1e-9d6b-0a1b2c3d4e5f");
    // What coturn computes from its static-auth-secret.
    EXPECT_EQ(server.getString("credential"),
              core::Base64::encode(core::Crypto::hmacSha1(kTurnSecret, username)));
    EXPECT_EQ(info.find("ice_credential_expiration")->asInt(), 3300);
  }
}

TEST_F(SessionInfoHandlerTest, AConnectionIdThatIsNotPlainIsNotPutInTheUsername) {
  SessionInfoHandler::Turn turn;
  turn.urls = {"turn:127.0.0.1:3478?transport=udp"};
  turn.secret = kTurnSecret;
  SessionInfoHandler handler(settings(turn), secrets(), catalog_);
  auto info = sessionInfo(handler, core::MediaMode::Routed, "evil:1:x");
  std::string username = info.find("ice_servers")->at(1).getString("username").value_or("");
  auto colon = username.find(':');
  ASSERT_NE(colon, std::string::npos);
  EXPECT_EQ(username.substr(colon + 1), kKey);
  EXPECT_EQ(info.find("ice_credential_expiration")->asInt(), 86100);
}

// parleyd builds the handler inside ApiServer: the TURN settings must reach it.
TEST_F(SessionInfoHandlerTest, ApiServerPassesTheTurnSettingsOn) {
  session::SessionManager sessions(store_, {}, secrets());
  ApiServer::Settings s{"http://127.0.0.1:5080", "127.0.0.1", 5090};
  s.turn.urls = {"turn:127.0.0.1:3478?transport=udp"};
  s.turn.secret = kTurnSecret;
  ApiServer api(std::move(s), store_, sessions);
  auto record = catalog_.create(kKey, {});
  core::TokenMinter::Options o;
  o.createTime = core::Clock::nowSeconds();
  HttpRequest r;
  r.method = "GET";
  r.target = "/session/" + record.sessionId + "?extended=true";
  r.headers = {{"X-OPENTOK-AUTH", core::TokenMinter::jwt(kKey, kSecret, record.sessionId, o)}};
  auto response = api.handle(r);
  ASSERT_EQ(response.status, 200);
  auto body = Json::parse(response.body);
  ASSERT_TRUE(body && body->isArray() && body->size() == 1) << response.body;
  const Json* ice = body->at(0).find("ice_servers");
  ASSERT_TRUE(ice && ice->size() == 2) << response.body;
  EXPECT_EQ(ice->at(1).find("urls")->at(0).asString(), "turn:127.0.0.1:3478?transport=udp");
}

}  // namespace
}  // namespace parley::http
