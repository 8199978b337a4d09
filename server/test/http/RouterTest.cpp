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

}  // namespace
}  // namespace parley::http
