#include "core/HttpUrl.h"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(HttpUrlTest, SplitsSchemeHostPortAndTarget) {
  auto u = HttpUrl::parse("http://example.com:8080/hooks/opentok?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->secure);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/hooks/opentok?x=1");
  EXPECT_EQ(u->hostHeader(), "example.com:8080");
}

TEST(HttpUrlTest, DefaultsPortAndPath) {
  auto plain = HttpUrl::parse("HTTP://Example.com");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(plain->hostHeader(), "Example.com");

  auto secure = HttpUrl::parse("https://hooks.example.com?token=abc");
  ASSERT_TRUE(secure);
  EXPECT_TRUE(secure->secure);
  EXPECT_EQ(secure->port, 443);
  EXPECT_EQ(secure->target, "/?token=abc");
}

TEST(HttpUrlTest, Ipv6Literals) {
  auto u = HttpUrl::parse("http://[::1]:9000/cb");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->hostHeader(), "[::1]:9000");
  EXPECT_FALSE(HttpUrl::parse("http://[::1/cb"));
  EXPECT_FALSE(HttpUrl::parse("http://[]/"));
  EXPECT_FALSE(HttpUrl::parse("http://[::1]x/"));
}

TEST(HttpUrlTest, RefusesWhatWeWillNotSend) {
  for (const char* bad :
       {"", "ftp://example.com/", "example.com/cb", "http://", "http:///path",
        "http://user:pass@example.com/", "http://example.com:0/", "http://example.com:65536/",
        "http://example.com:/", "http://example.com:80x/", "http://exa mple.com/",
        "http://example.com/a b", "http://example.com/\r\nX: y", "http://ex$ample.com/",
        "http://example.com/\x7f"}) {
    EXPECT_FALSE(HttpUrl::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace parley::core
