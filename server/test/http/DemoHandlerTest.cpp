#include "http/DemoHandler.h"

#include <gtest/gtest.h>

#include <fstream>

#include "../store/TempDirectory.h"
#include "core/Json.h"
#include "http/ApiServer.h"
#include "store/SqliteStore.h"

namespace parley::http {
namespace {

using core::Json;

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";

// ApiServer with the demo on or off, on an in-memory store and a temporary web directory.
class DemoRoutesTest : public ::testing::Test {
 protected:
  DemoRoutesTest()
      : store_(":memory:"),
        sessions_(store_, {}, [this](std::string_view key) -> std::optional<std::string> {
          auto p = store_.findProject(key);
          return p ? std::optional(p->secret) : std::nullopt;
        }) {
    store_.insertProject({kKey, kSecret, "default", 1});
    std::ofstream(web_.file("index.html")) << "<!doctype html><title>Parley demo</title>";
    std::ofstream(web_.file("demo.js")) << "export {};";
  }

  ApiServer& api(bool demoEnabled, demo::RequestThrottle::Limits throttle = {},
                 std::string publicUrl = "http://127.0.0.1:5080") {
    ApiServer::Settings settings{std::move(publicUrl), "127.0.0.1", 5090};
    settings.demo.enabled = demoEnabled;
    settings.demo.apiKey = kKey;
    settings.demo.webDir = web_.file("");
    settings.demo.throttle = throttle;
    api_ = std::make_unique<ApiServer>(std::move(settings), store_, sessions_);
    return *api_;
  }

  HttpResponse get(const std::string& target) { return call("GET", target); }

  HttpResponse call(std::string method, std::string target,
                    std::vector<std::pair<std::string, std::string>> headers = {},
                    std::string remote = "127.0.0.1:40000", std::string body = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = std::move(headers);
    r.remoteAddress = std::move(remote);
    r.body = std::move(body);
    return api_->handle(r);
  }

  // GET /demo/token's answer for a room and role.
  Json demoToken(const std::string& room, const std::string& role) {
    auto r = get("/demo/token?room=" + room + "&name=Ana&role=" + role);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body).value_or(Json::object());
  }
  static std::vector<std::pair<std::string, std::string>> withToken(const Json& issued) {
    return {{"X-Demo-Token", issued.getString("token").value_or("")}};
  }

  static std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  store::test::TempDirectory web_;
  store::SqliteStore store_;
  session::SessionManager sessions_;
  std::unique_ptr<ApiServer> api_;
};

TEST_F(DemoRoutesTest, TokenForARoom) {
  api(true);
  auto r = get("/demo/token?room=standup&name=Ana%20Mar%C3%ADa&role=moderator");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  auto body = Json::parse(r.body);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->getString("apiKey").value_or(""), kKey);
  EXPECT_EQ(body->getString("mediaMode").value_or(""), "routed");
  const std::string sid = body->getString("sessionId").value_or("");
  EXPECT_TRUE(store_.findSession(sid));
  EXPECT_FALSE(body->getString("token").value_or("").empty());

  auto again = Json::parse(get("/demo/token?room=standup&name=Bob").body);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->getString("sessionId").value_or(""), sid);
  EXPECT_EQ(store_.countSessions(kKey), 1u);
}

TEST_F(DemoRoutesTest, BadInputIs400AndCreatesNothing) {
  api(true);
  for (const char* target :
       {"/demo/token", "/demo/token?name=Bob", "/demo/token?room=a%20b&name=Bob",
        "/demo/token?room=r&name=", "/demo/token?room=r&name=a%0Ab",
        "/demo/token?room=r&name=Bob&role=owner", "/demo/token?room=r&name=Bob&mediaMode=mesh",
        "/demo/token?room=r&name=%ZZ"}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(header(r, "Content-Type"), "application/json") << target;
    auto body = Json::parse(r.body);
    ASSERT_TRUE(body) << target;
    EXPECT_FALSE(body->getString("description").value_or("").empty()) << target;
  }
  EXPECT_EQ(store_.countSessions(kKey), 0u);
  EXPECT_FALSE(store_.findDemoRoom(kKey, "r"));
}

TEST_F(DemoRoutesTest, ServesTheWebApp) {
  api(true);
  auto index = get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("Parley demo"), std::string::npos);
  EXPECT_EQ(header(index, "Content-Type"), "text/html; charset=utf-8");
  auto js = get("/demo/demo.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(header(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/demo/missing.js").status, 404);
  EXPECT_EQ(get("/demo/..%2Findex.html").status, 404);
  EXPECT_EQ(get("/demo/%2e%2e").status, 404);
}

TEST_F(DemoRoutesTest, DisabledMeansNoRoutes) {
  api(false);
  EXPECT_EQ(api_->demo(), nullptr);
  EXPECT_EQ(get("/demo/token?room=r&name=Bob").status, 404);
  EXPECT_EQ(get("/demo/demo.js").status, 404);
  auto index = get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("Parley is running"), std::string::npos);
  EXPECT_EQ(store_.countSessions(kKey), 0u);
}

TEST_F(DemoRoutesTest, WithoutAWebAppTheIndexStaysPlain) {
  ApiServer::Settings settings{"http://127.0.0.1:5080", "127.0.0.1", 5090};
  settings.demo.enabled = true;
  settings.demo.apiKey = kKey;
  settings.demo.webDir = "/nonexistent/web/demo";
  api_ = std::make_unique<ApiServer>(std::move(settings), store_, sessions_);
  EXPECT_NE(get("/").body.find("Parley is running"), std::string::npos);
  EXPECT_EQ(get("/demo/token?room=r&name=Bob").status, 200);
}

// Any web page could otherwise fetch a moderator token with the visitor's browser.
TEST_F(DemoRoutesTest, TokensAreNotGivenToPagesOfOtherSites) {
  api(true);
  const std::string target = "/demo/token?room=r&name=Eve&role=moderator";
  const std::vector<std::vector<std::pair<std::string, std::string>>> refused = {
      {{"Origin", "https://evil.example"}},
      {{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}},
      {{"Sec-Fetch-Site", "cross-site"}},
      {{"Sec-Fetch-Site", "same-site"}},
      {{"Origin", "null"}},
      {{"Origin", "http://127.0.0.1:5081"}, {"Host", "127.0.0.1:5080"}},
      {{"Origin", "https://127.0.0.1:5080"}},
      {{"Origin", "http://evil.example"}, {"Host", "127.0.0.1:5080"}},
  };
  for (const auto& headers : refused) {
    auto r = call("GET", target, headers);
    EXPECT_EQ(r.status, 403) << headers.front().second;
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "") << headers.front().second;
    EXPECT_EQ(r.body.find("token\""), std::string::npos);
  }
  EXPECT_EQ(store_.countSessions(kKey), 0u);
  EXPECT_FALSE(store_.findDemoRoom(kKey, "r"));
}

TEST_F(DemoRoutesTest, TheDemoPageItselfGetsTokensWithoutCors) {
  api(true);
  const std::string target = "/demo/token?room=r&name=Ana";
  const std::vector<std::vector<std::pair<std::string, std::string>>> accepted = {
      {},                                                                 // curl, the CLI, scripts
      {{"Sec-Fetch-Site", "same-origin"}},                                // the demo page's fetch()
      {{"Sec-Fetch-Site", "none"}},                                       // the URL typed in
      {{"Origin", "http://127.0.0.1:5080"}},                              // the public URL's origin
      {{"Origin", "http://localhost:5080"}, {"Host", "localhost:5080"}},  // another name
      {{"Origin", "http://127.0.0.1:5080"}, {"Sec-Fetch-Site", "same-origin"}},
  };
  for (const auto& headers : accepted) {
    auto r = call("GET", target, headers);
    EXPECT_EQ(r.status, 200) << (headers.empty() ? "no headers" : headers.front().second);
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "");
    EXPECT_EQ(header(r, "Cross-Origin-Resource-Policy"), "same-origin");
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  }
}

TEST_F(DemoRoutesTest, BehindAProxyThePublicOriginIsTheDemoPage) {
  api(true, {}, "https://video.example.com/parley");
  auto ok = call("GET", "/parley/demo/token?room=r&name=Ana",
                 {{"Origin", "https://video.example.com"}, {"Host", "127.0.0.1:5080"}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto other = call("GET", "/parley/demo/token?room=r&name=Ana",
                    {{"Origin", "https://other.example.com"}, {"Host", "127.0.0.1:5080"}});
  EXPECT_EQ(other.status, 403);
}

TEST_F(DemoRoutesTest, APreflightForTheTokenGrantsNothing) {
  api(true);
  auto pre = call("OPTIONS", "/demo/token?room=r&name=Eve",
                  {{"Origin", "https://evil.example"},
                   {"Access-Control-Request-Method", "GET"},
                   {"Access-Control-Request-Headers", "x-anything"}});
  EXPECT_EQ(header(pre, "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(header(pre, "Access-Control-Allow-Methods"), "");
  EXPECT_EQ(header(pre, "Access-Control-Allow-Headers"), "");
  // The web app's files are harmless and keep CORS like the SDK bundles.
  auto js = call("GET", "/demo/demo.js", {{"Origin", "https://elsewhere.example"}});
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(header(js, "Access-Control-Allow-Origin"), "https://elsewhere.example");
}

TEST_F(DemoRoutesTest, TokenRequestsAreThrottledPerAddress) {
  demo::RequestThrottle::Limits limits;
  limits.perAddressRate = 0.001;  // no refill within the test
  limits.perAddressBurst = 3;
  api(true, limits);
  const std::string target = "/demo/token?room=r&name=Ana";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("GET", target, {}, "203.0.113.5:1000").status, 200);
  auto limited = call("GET", target, {}, "203.0.113.5:1001");
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(header(limited, "Retry-After").empty());
  EXPECT_EQ(Json::parse(limited.body)->getInt("code"), 429);
  EXPECT_EQ(call("GET", target, {}, "203.0.113.6:1000").status, 200);
}

// Recording: only a moderator token of the room's own session starts anything; without an
// archive manager (a server that does not record) the moderator hears 501.
TEST_F(DemoRoutesTest, RecordingNeedsTheRoomsModeratorToken) {
  api(true);
  const Json moderator = demoToken("standup", "moderator");
  const Json publisher = demoToken("standup", "publisher");
  const Json elsewhere = demoToken("other", "moderator");
  const std::string body = R"({"room":"standup"})";
  auto start = [&](std::vector<std::pair<std::string, std::string>> headers,
                   const std::string& text) {
    return call("POST", "/demo/archive", std::move(headers), "127.0.0.1:40000", text);
  };
  EXPECT_EQ(start({}, body).status, 403);
  EXPECT_EQ(start({{"X-Demo-Token", "garbage"}}, body).status, 403);
  auto refused = start(withToken(publisher), body);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("moderator"), std::string::npos) << refused.body;
  EXPECT_EQ(start(withToken(elsewhere), body).status, 403);
  // The demo page's own origin only.
  auto headers = withToken(moderator);
  headers.emplace_back("Origin", "https://evil.example");
  EXPECT_EQ(start(headers, body).status, 403);

  EXPECT_EQ(start(withToken(moderator), "").status, 400);
  EXPECT_EQ(start(withToken(moderator), R"({"room":"../x"})").status, 400);
  EXPECT_EQ(start(withToken(moderator), R"({"room":"nobody-here"})").status, 404);
  auto unavailable = start(withToken(moderator), body);
  EXPECT_EQ(unavailable.status, 501) << unavailable.body;
  EXPECT_EQ(header(unavailable, "Access-Control-Allow-Origin"), "");
}

TEST_F(DemoRoutesTest, AModeratorSeesTheArchiveAndItsLinkOnceAvailable) {
  api(true);
  const Json moderator = demoToken("standup", "moderator");
  const Json publisher = demoToken("standup", "publisher");
  const Json elsewhere = demoToken("other", "moderator");
  store::ArchiveRecord a;
  a.id = "0b5c1f4e-8d2a-4c3b-9e7f-1a2b3c4d5e6f";
  a.apiKey = kKey;
  a.sessionId = moderator.getString("sessionId").value_or("");
  a.name = "standup";
  a.outputMode = "individual";
  a.createdAtMs = a.updatedAtMs = 1700000000000;
  store_.insertArchive(a);
  // A handler of its own on the same store, to give it a link builder.
  session::SessionCatalog catalog(store_);
  DemoHandler handler(store_, catalog, {kKey, web_.file(""), "http://127.0.0.1:5080", {}, {}});
  handler.setArchives(nullptr, [](const std::string& key, const std::string& id) {
    return "http://127.0.0.1:5080/v2/project/" + key + "/archive/" + id + "/download?x=1";
  });
  auto read = [&](const Json& issued) {
    HttpRequest r;
    r.method = "GET";
    r.headers = withToken(issued);
    r.remoteAddress = "127.0.0.1:40000";
    return handler.archive(r, a.id);
  };
  const std::string target = "/demo/archive/" + a.id;

  auto started = read(moderator);
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(header(started, "Cache-Control"), "no-store");
  auto json = Json::parse(started.body);
  ASSERT_TRUE(json);
  EXPECT_EQ(json->getString("id"), a.id);
  EXPECT_EQ(json->getString("status"), "started");
  EXPECT_TRUE(json->find("url")->isNull()) << started.body;

  a.status = "available";
  ASSERT_TRUE(store_.updateArchive(a));
  json = Json::parse(read(moderator).body);
  ASSERT_TRUE(json);
  EXPECT_EQ(json->getString("url"), "http://127.0.0.1:5080/v2/project/" + std::string(kKey) +
                                        "/archive/" + a.id + "/download?x=1");
  EXPECT_EQ(read(publisher).status, 403);

  EXPECT_EQ(call("GET", target, withToken(publisher)).status, 403);
  EXPECT_EQ(call("GET", target, withToken(elsewhere)).status, 403);
  EXPECT_EQ(call("GET", target).status, 403);
  EXPECT_EQ(call("GET", "/demo/archive/6f0c2b1a-0000-4000-8000-000000000000", withToken(moderator))
                .status,
            404);
  EXPECT_EQ(call("POST", target + "/stop", withToken(publisher)).status, 403);
  EXPECT_EQ(call("POST", target + "/stop", withToken(moderator)).status, 501);
  EXPECT_EQ(
      call("POST", "/demo/archive/" + std::string(100, 'a') + "/stop", withToken(moderator)).status,
      404);
}

// Going live takes the room's moderator token like recording; a server without a broadcast
// manager answers the moderator 501 (and others still 403).
TEST_F(DemoRoutesTest, GoingLiveNeedsTheRoomsModeratorTokenAndABroadcastManager) {
  api(true);
  const Json moderator = demoToken("standup", "moderator");
  const Json publisher = demoToken("standup", "publisher");
  const std::string body = R"({"room":"standup"})";
  auto start = [&](std::vector<std::pair<std::string, std::string>> headers,
                   const std::string& text) {
    return call("POST", "/demo/broadcast", std::move(headers), "127.0.0.1:40000", text);
  };
  EXPECT_EQ(start({}, body).status, 403);
  EXPECT_EQ(start(withToken(publisher), body).status, 403);
  auto headers = withToken(moderator);
  headers.emplace_back("Sec-Fetch-Site", "cross-site");
  EXPECT_EQ(start(headers, body).status, 403);
  EXPECT_EQ(start(withToken(moderator), R"({"room":"nobody-here"})").status, 404);
  auto unavailable = start(withToken(moderator), body);
  EXPECT_EQ(unavailable.status, 501) << unavailable.body;
  EXPECT_EQ(header(unavailable, "Access-Control-Allow-Origin"), "");
  const std::string target = "/demo/broadcast/6f0c2b1a-0000-4000-8000-000000000000";
  EXPECT_EQ(call("GET", target, withToken(moderator)).status, 501);
  EXPECT_EQ(call("POST", target + "/stop", withToken(moderator)).status, 501);
}

TEST_F(DemoRoutesTest, RecordingRequestsShareTheTokenBudget) {
  demo::RequestThrottle::Limits limits;
  limits.perAddressRate = 0.001;  // no refill within the test
  limits.perAddressBurst = 2;
  api(true, limits);
  const Json moderator = demoToken("standup", "moderator");
  EXPECT_EQ(call("GET", "/demo/archive/0b5c1f4e-8d2a-4c3b-9e7f-1a2b3c4d5e6f", withToken(moderator))
                .status,
            404);
  auto limited = call("POST", "/demo/archive", withToken(moderator), "127.0.0.1:40000",
                      R"({"room":"standup"})");
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(header(limited, "Retry-After").empty());
}

}  // namespace
}  // namespace parley::http
