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

  ApiServer& api(bool demoEnabled) {
    ApiServer::Settings settings{"http://127.0.0.1:5080", "127.0.0.1", 5090};
    settings.demo.enabled = demoEnabled;
    settings.demo.apiKey = kKey;
    settings.demo.webDir = web_.file("");
    api_ = std::make_unique<ApiServer>(std::move(settings), store_, sessions_);
    return *api_;
  }

  HttpResponse get(const std::string& target) {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
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

}  // namespace
}  // namespace parley::http
