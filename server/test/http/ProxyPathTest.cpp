#include "http/ProxyPath.h"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

TEST(ProxyPathTest, DropsTheProxiedHostSegment) {
  EXPECT_EQ(ProxyPath::strip("/anvil.opentok.com/session/1_MX4", ""), "/session/1_MX4");
  EXPECT_EQ(ProxyPath::strip("/config.opentok.com/project/123/config.json", ""),
            "/project/123/config.json");
  EXPECT_EQ(ProxyPath::strip("/rumor.example.test:443/rumorwebsocketsv2", ""),
            "/rumorwebsocketsv2");
  EXPECT_EQ(ProxyPath::strip("/127.0.0.1:5080/session/x", ""), "/session/x");
  EXPECT_EQ(ProxyPath::strip("/localhost:5080/session/x", ""), "/session/x");
  EXPECT_EQ(ProxyPath::strip("/hlg.tokbox.com/prod/logging/ClientEvent", ""),
            "/prod/logging/ClientEvent");
}

TEST(ProxyPathTest, KeepsOurOwnRoutes) {
  EXPECT_EQ(ProxyPath::strip("/session/create", ""), "/session/create");
  EXPECT_EQ(ProxyPath::strip("/v2/project/123/archive", ""), "/v2/project/123/archive");
  EXPECT_EQ(ProxyPath::strip("/healthz", ""), "/healthz");
  EXPECT_EQ(ProxyPath::strip("/", ""), "/");
  EXPECT_EQ(ProxyPath::strip("", ""), "/");
}

TEST(ProxyPathTest, RemovesThePublicBasePathFirst) {
  EXPECT_EQ(ProxyPath::strip("/parley/anvil.opentok.com/session/x", "/parley"), "/session/x");
  EXPECT_EQ(ProxyPath::strip("/parley/session/create", "/parley/"), "/session/create");
  // Only a whole segment counts as the base path.
  EXPECT_EQ(ProxyPath::strip("/parleyx/session/create", "/parley"), "/parleyx/session/create");
}

TEST(ProxyPathTest, HostHeuristic) {
  EXPECT_TRUE(ProxyPath::looksLikeHost("anvil.opentok.com"));
  EXPECT_TRUE(ProxyPath::looksLikeHost("[::1]:5080"));
  EXPECT_FALSE(ProxyPath::looksLikeHost("session"));
  EXPECT_FALSE(ProxyPath::looksLikeHost("config.json"));
  EXPECT_FALSE(ProxyPath::looksLikeHost("a b.c"));
}

}  // namespace
}  // namespace parley::http
