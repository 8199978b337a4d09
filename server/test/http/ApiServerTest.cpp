#include "http/ApiServer.h"

#include <gtest/gtest.h>

#include "core/Clock.h"
#include "core/Jwt.h"
#include "core/SessionId.h"
#include "core/TokenMinter.h"
#include "store/SqliteStore.h"

namespace parley::http {
namespace {

using core::Json;

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";

class ApiServerTest : public ::testing::Test {
 protected:
  ApiServerTest()
      : store_(":memory:"),
        sessions_(store_, {},
                  [this](std::string_view key) -> std::optional<std::string> {
                    auto p = store_.findProject(key);
                    return p ? std::optional(p->secret) : std::nullopt;
                  }),
        api_({"http://127.0.0.1:5080", "127.0.0.1", 5090}, store_, sessions_) {
    store_.insertProject({kKey, kSecret, "test", 1});
  }

  static std::string restJwt(const std::string& key = kKey, const std::string& secret = kSecret,
                             std::int64_t lifetime = 300) {
    auto now = core::Clock::nowSeconds();
    return core::Jwt::signHs256(
        Json::object({{"alg", "HS256"}, {"typ", "JWT"}}),
        Json::object({{"iss", key}, {"ist", "project"}, {"iat", now}, {"exp", now + lifetime}}),
        secret);
  }

  HttpResponse call(std::string method, std::string target,
                    std::vector<std::pair<std::string, std::string>> headers = {},
                    std::string body = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = std::move(headers);
    r.body = std::move(body);
    return api_.handle(r);
  }

  HttpResponse createSession(const std::string& form,
                             const std::string& accept = "application/json") {
    return call("POST", "/session/create",
                {{"X-OPENTOK-AUTH", restJwt()},
                 {"Accept", accept},
                 {"Content-Type", "application/x-www-form-urlencoded"}},
                form);
  }

  std::string createdSessionId(const std::string& form) {
    auto r = createSession(form);
    EXPECT_EQ(r.status, 200) << r.body;
    auto body = Json::parse(r.body);
    if (!body || !body->isArray() || body->size() != 1) return {};
    return body->at(0).getString("session_id").value_or("");
  }

  static std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  store::SqliteStore store_;
  session::SessionManager sessions_;
  ApiServer api_;
};

TEST_F(ApiServerTest, CreatesSessionsAsJson) {
  auto r = createSession("p2p.preference=disabled&archiveMode=manual");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  auto body = Json::parse(r.body);
  ASSERT_TRUE(body && body->isArray());
  auto sid = body->at(0).getString("session_id").value_or("");
  EXPECT_EQ(body->at(0).getString("partner_id"), kKey);
  auto parts = core::SessionId::decode(sid);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->apiKey, kKey);
  auto record = store_.findSession(sid);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->properties.mediaMode, core::MediaMode::Routed);
}

TEST_F(ApiServerTest, CreatesSessionsAsXmlForRuby) {
  auto r = createSession("", "*/*");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(header(r, "Content-Type"), "text/xml");
  EXPECT_NE(r.body.find("<sessions><Session><session_id>1_"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(std::string("<partner_id>") + kKey + "</partner_id>"), std::string::npos);
  EXPECT_EQ(store_.countSessions(kKey), 1u);
}

TEST_F(ApiServerTest, RemembersEveryCreationOption) {
  auto sid = createdSessionId(
      "p2p.preference=disabled&archiveMode=always&location=12.34.56.78&e2ee=true&archiveName=daily&"
      "archiveResolution=1280x720");
  auto record = store_.findSession(sid);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->properties.archiveMode, core::ArchiveMode::Always);
  EXPECT_EQ(record->properties.location, "12.34.56.78");
  EXPECT_TRUE(record->properties.e2ee);
  EXPECT_EQ(record->properties.archiveName, "daily");
  EXPECT_EQ(record->properties.archiveResolution, "1280x720");
}

TEST_F(ApiServerTest, InvalidOptionsAre400AndWriteNothing) {
  for (const char* form :
       {"p2p.preference=enabled&archiveMode=always", "archiveMode=sometimes", "location=not-an-ip",
        "e2ee=maybe", "p2p.preference=disabled&archiveResolution=1x1", "a=%zz"}) {
    auto r = createSession(form);
    EXPECT_EQ(r.status, 400) << form;
    EXPECT_EQ(header(r, "Content-Type"), "application/json");
    auto body = Json::parse(r.body);
    ASSERT_TRUE(body) << r.body;
    EXPECT_EQ(body->getInt("code"), 400);
    EXPECT_TRUE(body->getString("message"));
  }
  EXPECT_EQ(store_.countSessions(kKey), 0u);
}

TEST_F(ApiServerTest, RejectsBadRestCredentials) {
  std::vector<std::string> tokens = {"",
                                     "garbage",
                                     restJwt(kKey, "wrong-secret-wrong-secret"),
                                     restJwt("99999999", kSecret),
                                     restJwt(kKey, kSecret, 3600),
                                     restJwt(kKey, kSecret, -120)};
  for (const auto& t : tokens) {
    auto r =
        call("POST", "/session/create", {{"X-OPENTOK-AUTH", t}, {"Accept", "application/json"}});
    EXPECT_EQ(r.status, 403) << t;
    EXPECT_EQ(header(r, "Content-Type"), "application/json");
  }
  EXPECT_EQ(store_.countSessions(kKey), 0u);
}

TEST_F(ApiServerTest, SessionInfoForAValidClientToken) {
  auto sid = createdSessionId("p2p.preference=enabled");
  core::TokenMinter::Options o;
  o.role = core::Role::Moderator;
  o.createTime = core::Clock::nowSeconds();
  o.connectionData = "name=bob";
  auto token = core::TokenMinter::jwt(kKey, kSecret, sid, o);
  for (std::string prefix : {"", "/anvil.opentok.com"}) {
    auto r =
        call("GET", prefix + "/session/" + sid + "?extended=true", {{"X-OPENTOK-AUTH", token}});
    ASSERT_EQ(r.status, 200);
    auto body = Json::parse(r.body);
    ASSERT_TRUE(body && body->isArray() && body->size() == 1) << r.body;
    const Json& info = body->at(0);
    EXPECT_FALSE(info.contains("error")) << r.body;
    EXPECT_EQ(info.getString("session_id"), sid);
    EXPECT_EQ(info.getString("partner_id"), kKey);
    EXPECT_EQ(info.getString("messaging_url"), "ws://127.0.0.1:5080/rumorwebsocketsv2");
    EXPECT_EQ(info.getString("symphony_address"), "symphony.parley");
    const Json* ice = info.find("ice_servers");
    ASSERT_TRUE(ice && ice->isArray() && ice->size() > 0);
    const Json* props = info.find("properties");
    ASSERT_TRUE(props);
    const Json* candidates = props->find("clientCandidates");
    EXPECT_TRUE(!candidates || candidates->isString())
        << "clientCandidates must be absent or a policy string";
    const Json* pref = props->find("p2p")->find("preference");
    EXPECT_EQ(pref->getString("value"), "enabled");
  }
}

TEST_F(ApiServerTest, SessionInfoErrorsUseTheErrorElement) {
  auto sid = createdSessionId("p2p.preference=disabled");
  auto other = createdSessionId("p2p.preference=disabled");
  core::TokenMinter::Options o;
  o.createTime = core::Clock::nowSeconds();
  auto errorCode = [&](const std::string& target, const std::string& token) -> std::int64_t {
    auto r = call("GET", target, {{"X-OPENTOK-AUTH", token}});
    EXPECT_EQ(r.status, 200);
    auto body = Json::parse(r.body);
    if (!body || !body->isArray() || body->size() != 1) return -1;
    const Json* error = body->at(0).find("error");
    if (!error) return 0;
    return error->getInt("code").value_or(-1);
  };
  EXPECT_EQ(errorCode("/session/" + sid, core::TokenMinter::jwt(kKey, kSecret, sid, o)), 0);
  EXPECT_EQ(errorCode("/session/" + sid, "garbage"), 403);
  EXPECT_EQ(
      errorCode("/session/" + sid, core::TokenMinter::jwt(kKey, "another-secret-entirely", sid, o)),
      403);
  EXPECT_EQ(errorCode("/session/" + sid, core::TokenMinter::jwt(kKey, kSecret, other, o)), 403);
  // Well-formed ID of this project that was never created.
  auto unknown = core::SessionId::generate(kKey, "", core::Clock::nowMs(), false);
  EXPECT_EQ(errorCode("/session/" + unknown, core::TokenMinter::jwt(kKey, kSecret, unknown, o)),
            404);
}

TEST_F(ApiServerTest, ClientBootstrapCallsAndCors) {
  auto config = call("GET", "/config.opentok.com/project/12345678/config.json",
                     {{"Origin", "http://app.test"}});
  EXPECT_EQ(config.status, 200);
  EXPECT_EQ(config.body, "{}");
  EXPECT_EQ(header(config, "Access-Control-Allow-Origin"), "http://app.test");
  EXPECT_EQ(call("POST", "/hlg.tokbox.com/prod/logging/ClientEvent", {}, "a=b").status, 204);
  auto pre = call("OPTIONS", "/anvil.opentok.com/session/x",
                  {{"Origin", "http://app.test"},
                   {"Access-Control-Request-Headers", "x-opentok-auth,x-tb-version"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(header(pre, "Access-Control-Allow-Headers"), "x-opentok-auth,x-tb-version");
  EXPECT_EQ(header(pre, "Access-Control-Allow-Origin"), "http://app.test");
}

// OpenTok.js calls session info, config and logging from the customer's page, on any
// origin; those calls carry tokens in headers, so CORS never allows credentials.
TEST_F(ApiServerTest, ClientRoutesAnswerAnyOriginWithoutCredentials) {
  const std::string origin = "https://customer.example";
  auto config = call("GET", "/project/12345678/config.json", {{"Origin", origin}});
  EXPECT_EQ(header(config, "Access-Control-Allow-Origin"), origin);
  EXPECT_EQ(header(config, "Access-Control-Allow-Credentials"), "");
  auto info = call("GET", "/session/1_nothing?extended=true", {{"Origin", origin}});
  EXPECT_EQ(header(info, "Access-Control-Allow-Origin"), origin);
  EXPECT_EQ(header(info, "Access-Control-Allow-Credentials"), "");
  auto pre = call("OPTIONS", "/prod/logging/ClientQos",
                  {{"Origin", origin}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(header(pre, "Access-Control-Allow-Origin"), origin);
  auto log = call("POST", "/prod/logging/ClientEvent", {{"Origin", origin}}, "{}");
  EXPECT_EQ(log.status, 204);
  EXPECT_EQ(header(log, "Access-Control-Allow-Origin"), origin);
}

TEST_F(ApiServerTest, MetricsAreNotReadableByOtherOrigins) {
  auto metrics = call("GET", "/metrics", {{"Origin", "https://intranet-snoop.example"}});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(header(metrics, "Access-Control-Allow-Origin"), "");
  auto health = call("GET", "/healthz", {{"Origin", "https://status.example"}});
  EXPECT_EQ(header(health, "Access-Control-Allow-Origin"), "https://status.example");
}

TEST_F(ApiServerTest, UnknownRoutesAndMethods) {
  auto r = call("GET", "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json::parse(r.body)->getInt("code"), 404);
  auto m = call("DELETE", "/session/create");
  EXPECT_EQ(m.status, 405);
  EXPECT_NE(header(m, "Allow").find("POST"), std::string::npos);
}

TEST_F(ApiServerTest, FeaturesNotOfferedAnswer501AfterAuthentication) {
  const std::string base = std::string("/v2/project/") + kKey;
  auto r = call("POST", base + "/archive", {{"X-OPENTOK-AUTH", restJwt()}}, "{}");
  EXPECT_EQ(r.status, 501) << r.body;
  auto body = Json::parse(r.body);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->getInt("code"), 501);
  EXPECT_EQ(body->getString("feature"), "archives");
  EXPECT_EQ(call("GET", base + "/broadcast/b1", {{"X-OPENTOK-AUTH", restJwt()}}).status, 501);
  EXPECT_EQ(call("POST", base + "/dial", {{"X-OPENTOK-AUTH", restJwt()}}, "{}").status, 501);
  // Credentials are checked first, as everywhere else.
  EXPECT_EQ(call("POST", base + "/archive", {}, "{}").status, 403);
  EXPECT_EQ(call("POST", base + "/archive",
                 {{"X-OPENTOK-AUTH", restJwt(kKey, "wrong-secret-wrong")}}, "{}")
                .status,
            403);
  EXPECT_EQ(
      call("POST", "/v2/project/99999999/archive", {{"X-OPENTOK-AUTH", restJwt()}}, "{}").status,
      403);
  // An unknown method on a known path is still 405.
  EXPECT_EQ(call("PATCH", base + "/archive", {{"X-OPENTOK-AUTH", restJwt()}}).status, 405);
}

}  // namespace
}  // namespace parley::http
