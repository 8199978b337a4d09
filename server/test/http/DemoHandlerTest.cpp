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
                    std::string remote = "127.0.0.1:40000") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = std::move(headers);
    r.remoteAddress = std::move(remote);
    return api_->handle(r);
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

}  // namespace
}  // namespace parley::http
