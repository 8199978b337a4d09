// The callback registration REST API (docs/protocol.md §3.4.12), through ApiServer's routing and
// auth.
#include "http/CallbackHandler.h"

#include <gtest/gtest.h>

#include "core/Clock.h"
#include "core/Jwt.h"
#include "http/ApiServer.h"
#include "store/SqliteStore.h"
#include "webhook/TargetCheck.h"

namespace parley::http {
namespace {

using core::Json;

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";
constexpr const char* kOtherKey = "87654321";
constexpr const char* kOtherSecret = "fedcba9876543210fedcba9876543210fedcba98";

class CallbackHandlerTest : public ::testing::Test {
 protected:
  CallbackHandlerTest()
      : store_(":memory:"),
        sessions_(store_, {}, [](std::string_view) { return std::nullopt; }),
        api_(settings(), store_, sessions_) {
    store_.insertProject({kKey, kSecret, "test", 1});
    store_.insertProject({kOtherKey, kOtherSecret, "other", 1});
  }

  // Names resolve from a fixed table (no DNS in unit tests); the policy is the default.
  static webhook::HostResolver::Result fakeDns(const std::string& host, std::uint16_t) {
    using boost::asio::ip::make_address;
    if (host == "internal.example") return {{make_address("10.1.2.3")}, {}};
    if (host == "metadata.example") return {{make_address("169.254.169.254")}, {}};
    if (host == "mixed.example")
      return {{make_address("93.184.215.14"), make_address("::ffff:127.0.0.1")}, {}};
    if (host == "unknown.example") return {{}, "cannot resolve unknown.example: Name unknown"};
    return {{make_address("93.184.215.14"), make_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c")},
            {}};
  }

  static ApiServer::Settings settings(bool allowPrivate = false) {
    ApiServer::Settings s{"http://127.0.0.1:5080", "127.0.0.1", 5090};
    s.callbackTargets = webhook::TargetCheck(webhook::AddressPolicy(allowPrivate), fakeDns);
    return s;
  }

  static std::string restJwt(const std::string& key = kKey, const std::string& secret = kSecret) {
    auto now = core::Clock::nowSeconds();
    return core::Jwt::signHs256(
        Json::object({{"alg", "HS256"}, {"typ", "JWT"}}),
        Json::object({{"iss", key}, {"ist", "project"}, {"iat", now}, {"exp", now + 300}}), secret);
  }

  HttpResponse call(std::string method, std::string target, std::string body = {},
                    std::string jwt = restJwt()) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = {{"X-OPENTOK-AUTH", std::move(jwt)}, {"Content-type", "application/json"}};
    r.body = std::move(body);
    return api_.handle(r);
  }

  HttpResponse registerCallback(const std::string& body) {
    return call("POST", std::string("/v2/project/") + kKey + "/callback", body);
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

TEST_F(CallbackHandlerTest, RegisterListAndUnregister) {
  auto created = registerCallback(
      R"({"group":"connection","event":"created","url":"http://hooks.example.com:9/hook"})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(header(created, "Content-Type"), "application/json");
  auto callback = Json::parse(created.body);
  ASSERT_TRUE(callback && callback->isObject());
  EXPECT_EQ(callback->keys(),
            (std::vector<std::string>{"id", "group", "event", "url", "createdAt"}));
  EXPECT_EQ(callback->getString("id")->size(), 36u);
  EXPECT_EQ(callback->getString("group"), "connection");
  EXPECT_EQ(callback->getString("event"), "created");
  EXPECT_EQ(callback->getString("url"), "http://hooks.example.com:9/hook");
  EXPECT_GT(*callback->getInt("createdAt"), 0);

  auto list = call("GET", std::string("/v2/project/") + kKey + "/callback");
  ASSERT_EQ(list.status, 200);
  auto items = Json::parse(list.body);
  ASSERT_TRUE(items && items->isArray());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(items->at(0), *callback);

  const std::string path =
      std::string("/v2/project/") + kKey + "/callback/" + *callback->getString("id");
  EXPECT_EQ(call("DELETE", path).status, 204);
  EXPECT_EQ(call("DELETE", path).status, 404);
  EXPECT_EQ(call("GET", std::string("/v2/project/") + kKey + "/callback").body, "[]");
}

TEST_F(CallbackHandlerTest, RegisteringTheSameTargetAgainReturnsTheSameCallback) {
  const std::string body =
      R"({"group":"stream","event":"destroyed","url":"https://hooks.example.com/ot"})";
  auto first = Json::parse(registerCallback(body).body);
  auto second = Json::parse(registerCallback(body).body);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(store_.listCallbacks(kKey).size(), 1u);
}

TEST_F(CallbackHandlerTest, ValidatesGroupEventAndUrl) {
  const std::string longUrl =
      "http://example.com/" + std::string(CallbackHandler::kMaxUrlLength, 'a');
  for (const std::string& body : {
           std::string("not json"),
           std::string("[]"),
           std::string(R"({"event":"created","url":"http://x/"})"),
           std::string(R"({"group":"archive","event":"created","url":"http://x/"})"),
           std::string(R"({"group":"connection","event":"updated","url":"http://x/"})"),
           std::string(R"({"group":"connection","event":"created"})"),
           std::string(R"({"group":"connection","event":"created","url":""})"),
           std::string(R"({"group":"connection","event":"created","url":42})"),
           std::string(R"({"group":"connection","event":"created","url":"ftp://x/"})"),
           std::string(R"({"group":"connection","event":"created","url":"/relative"})"),
           std::string(R"({"group":"connection","event":"created","url":"http://u:p@x/"})"),
           R"({"group":"connection","event":"created","url":")" + longUrl + "\"}",
       }) {
    auto r = registerCallback(body);
    EXPECT_EQ(r.status, 400) << body.substr(0, 100);
    auto error = Json::parse(r.body);
    ASSERT_TRUE(error) << r.body;
    EXPECT_TRUE(error->getString("message")) << r.body;
  }
  EXPECT_TRUE(store_.listCallbacks(kKey).empty());
  EXPECT_FALSE(CallbackHandler::validate("connection", "created", "http://x/"));
  EXPECT_TRUE(CallbackHandler::validate("stream", "created", "http://x/" + std::string(2048, 'a')));
}

TEST_F(CallbackHandlerTest, LimitsCallbacksPerProject) {
  for (std::size_t i = 0; i < CallbackHandler::kMaxCallbacksPerProject; ++i) {
    auto r = registerCallback(R"({"group":"stream","event":"created","url":"http://x/)" +
                              std::to_string(i) + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(
      registerCallback(R"({"group":"stream","event":"created","url":"http://x/more"})").status,
      400);
  // Re-registering an existing one is still fine.
  EXPECT_EQ(registerCallback(R"({"group":"stream","event":"created","url":"http://x/0"})").status,
            200);
}

TEST_F(CallbackHandlerTest, RequiresTheProjectsOwnJwt) {
  const std::string path = std::string("/v2/project/") + kKey + "/callback";
  const std::string body = R"({"group":"stream","event":"created","url":"http://x/"})";
  EXPECT_EQ(call("POST", path, body, "").status, 403);
  EXPECT_EQ(call("POST", path, body, restJwt(kOtherKey, kOtherSecret)).status, 403);
  EXPECT_EQ(call("GET", path, "", restJwt(kKey, kOtherSecret)).status, 403);
  EXPECT_EQ(call("DELETE", path + "/some-id", "", restJwt(kOtherKey, kOtherSecret)).status, 403);
  EXPECT_TRUE(store_.listCallbacks(kKey).empty());
}

TEST_F(CallbackHandlerTest, ProjectsDoNotSeeOrRemoveEachOthersCallbacks) {
  auto created = Json::parse(
      registerCallback(R"({"group":"stream","event":"created","url":"http://x/"})").body);
  ASSERT_TRUE(created);
  const std::string id = *created->getString("id");
  const std::string otherBase = std::string("/v2/project/") + kOtherKey + "/callback";
  const std::string otherJwt = restJwt(kOtherKey, kOtherSecret);
  EXPECT_EQ(call("GET", otherBase, "", otherJwt).body, "[]");
  EXPECT_EQ(call("DELETE", otherBase + "/" + id, "", otherJwt).status, 404);
  EXPECT_EQ(store_.listCallbacks(kKey).size(), 1u);
}

// Callback URLs come from API callers: parleyd must not become their way into its own
// loopback services, the cloud metadata service or the private network behind it.
TEST_F(CallbackHandlerTest, RefusesUrlsThatReachNonPublicAddresses) {
  for (const std::string url : {
           "http://127.0.0.1:9/hook",
           "http://127.1.2.3/",
           "http://[::1]/",
           "http://[::ffff:127.0.0.1]/",
           "http://[::ffff:10.0.0.1]/",
           "http://169.254.169.254/latest/meta-data/",
           "http://10.0.0.8/",
           "http://172.16.5.4/",
           "http://192.168.1.1/",
           "http://100.64.0.1/",
           "http://0.0.0.0:80/",
           "http://[::]/",
           "http://[fd00::1]/",
           "http://[fe80::1]/",
           "http://[ff02::1]/",
           "http://224.0.0.1/",
           "http://[64:ff9b::a00:1]/",
           "http://[2002:7f00:1::]/",
           "http://internal.example/",
           "http://metadata.example/",
           "http://mixed.example/",
           "http://unknown.example/",
       }) {
    auto r = registerCallback(R"({"group":"connection","event":"created","url":")" + url + "\"}");
    EXPECT_EQ(r.status, 400) << url;
    auto error = Json::parse(r.body);
    ASSERT_TRUE(error) << r.body;
    const std::string description = error->getString("description").value_or("");
    if (url != "http://unknown.example/") {
      EXPECT_NE(description.find("--allow-private-callbacks"), std::string::npos) << description;
    } else {
      EXPECT_NE(description.find("cannot resolve"), std::string::npos) << description;
    }
  }
  EXPECT_TRUE(store_.listCallbacks(kKey).empty());
  // Public addresses, by name or literally.
  for (const std::string url : {"https://hooks.example.com/ot", "http://93.184.215.14:8080/",
                                "http://[2606:4700::1111]/"}) {
    EXPECT_EQ(
        registerCallback(R"({"group":"stream","event":"created","url":")" + url + "\"}").status,
        200)
        << url;
  }
}

TEST_F(CallbackHandlerTest, TheOperatorMayAllowPrivateAddresses) {
  ApiServer permissive(settings(true), store_, sessions_);
  auto post = [&](const std::string& url) {
    HttpRequest r;
    r.method = "POST";
    r.target = std::string("/v2/project/") + kKey + "/callback";
    r.headers = {{"X-OPENTOK-AUTH", restJwt()}, {"Content-type", "application/json"}};
    r.body = R"({"group":"connection","event":"created","url":")" + url + "\"}";
    return permissive.handle(r);
  };
  EXPECT_EQ(post("http://127.0.0.1:9/hook").status, 200);
  EXPECT_EQ(post("http://internal.example/").status, 200);
  EXPECT_EQ(post("http://[fd00::1]/").status, 200);
  // Never "any address" or a multicast group.
  EXPECT_EQ(post("http://0.0.0.0/").status, 400);
  EXPECT_EQ(post("http://[ff02::1]/").status, 400);
}

}  // namespace
}  // namespace parley::http
