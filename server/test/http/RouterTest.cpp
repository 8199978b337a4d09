#include "http/Router.h"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

RouteHandler replying(int status) {
  return [status](const HttpRequest&, const PathParams&) { return HttpResponse::empty(status); };
}

TEST(RouterTest, MatchesLiteralsAndCapturesParams) {
  Router r;
  r.add("GET", "/v2/project/{key}/session/{sid}/stream/{stream}", replying(200));
  r.add("POST", "/session/create", replying(201));
  auto m = r.match("GET", "/v2/project/123/session/1_MX%2B/stream/abc");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params["key"], "123");
  EXPECT_EQ(m.params["sid"], "1_MX+");
  EXPECT_EQ(m.params["stream"], "abc");
  EXPECT_EQ((*r.match("POST", "/session/create").handler)(HttpRequest{}, {}).status, 201);
}

TEST(RouterTest, WrongMethodIsReportedAsKnownPath) {
  Router r;
  r.add("POST", "/session/create", replying(200));
  auto m = r.match("GET", "/session/create");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.pathKnown);
  ASSERT_EQ(m.allowedMethods.size(), 1u);
  EXPECT_EQ(m.allowedMethods[0], "POST");
}

TEST(RouterTest, NoMatchForOtherShapesOrBadEscapes) {
  Router r;
  r.add("GET", "/session/{sid}", replying(200));
  EXPECT_EQ(r.match("GET", "/session").handler, nullptr);
  EXPECT_EQ(r.match("GET", "/session/a/b").handler, nullptr);
  EXPECT_EQ(r.match("GET", "/session/%zz").handler, nullptr);
  EXPECT_EQ(r.match("GET", "/session/%4").handler, nullptr);
  EXPECT_FALSE(r.match("GET", "/other/x").pathKnown);
}

TEST(RouterTest, CorsPolicyOfTheRouteAndOfItsPreflight) {
  Router r;
  r.add("GET", "/demo/token", replying(200), Router::Cors::SameOrigin);
  r.add("GET", "/demo/{file}", replying(200));
  EXPECT_EQ(r.match("GET", "/demo/token").cors, Router::Cors::SameOrigin);
  EXPECT_EQ(r.match("GET", "/demo/demo.js").cors, Router::Cors::AnyOrigin);
  // No OPTIONS route: the preflight takes the strictest policy of the path's routes.
  EXPECT_EQ(r.match("OPTIONS", "/demo/token").cors, Router::Cors::SameOrigin);
  EXPECT_EQ(r.match("OPTIONS", "/demo/demo.js").cors, Router::Cors::AnyOrigin);
  EXPECT_EQ(r.match("GET", "/unknown").cors, Router::Cors::AnyOrigin);
}

}  // namespace
}  // namespace parley::http
