#include "demo/Activation.h"

#include <gtest/gtest.h>

namespace parley::demo {
namespace {

TEST(ActivationTest, LoopbackHosts) {
  for (const char* host : {"127.0.0.1", "127.0.0.53", "127.255.255.254", "::1", "[::1]",
                           "localhost", "LocalHost", "::ffff:127.0.0.1"})
    EXPECT_TRUE(Activation::isLoopbackHost(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "", "10.0.0.1", "128.0.0.1", "192.168.1.2",
                           "::ffff:10.0.0.1", "fe80::1", "localhost.example.com", "126.0.0.1"})
    EXPECT_FALSE(Activation::isLoopbackHost(host)) << host;
}

constexpr const char* kLocalUrl = "http://127.0.0.1:5080";

TEST(ActivationTest, OnByDefaultOnlyOnLoopback) {
  EXPECT_TRUE(Activation::decide(std::nullopt, "127.0.0.1", kLocalUrl).enabled);
  EXPECT_FALSE(Activation::decide(std::nullopt, "127.0.0.1", kLocalUrl).exposed);
  EXPECT_TRUE(Activation::decide(std::nullopt, "::1", "http://localhost:5080/video").enabled);
  EXPECT_FALSE(Activation::decide(std::nullopt, "0.0.0.0", kLocalUrl).enabled);
  EXPECT_FALSE(Activation::decide(std::nullopt, "203.0.113.7", "http://203.0.113.7:5080").enabled);
}

// The documented reverse-proxy setup: parleyd on loopback, the world through the proxy.
TEST(ActivationTest, ALoopbackListenBehindAPublicUrlIsNotLocal) {
  const auto a = Activation::decide(std::nullopt, "127.0.0.1", "https://video.example.com");
  EXPECT_FALSE(a.enabled);
  EXPECT_FALSE(a.exposed);
  EXPECT_FALSE(Activation::decide(std::nullopt, "127.0.0.1", "https://10.1.2.3:8443/v").enabled);
  // Not a URL at all: nothing says it is local.
  EXPECT_FALSE(Activation::decide(std::nullopt, "127.0.0.1", "").enabled);
}

TEST(ActivationTest, NoDemoAlwaysWins) {
  EXPECT_FALSE(Activation::decide(false, "127.0.0.1", kLocalUrl).enabled);
  EXPECT_FALSE(Activation::decide(false, "0.0.0.0", kLocalUrl).enabled);
}

TEST(ActivationTest, ExplicitDemoWhereOthersReachItIsExposed) {
  const auto wildcard = Activation::decide(true, "0.0.0.0", kLocalUrl);
  EXPECT_TRUE(wildcard.enabled);
  EXPECT_TRUE(wildcard.exposed);
  EXPECT_NE(wildcard.exposure.find("listen address 0.0.0.0"), std::string::npos);

  const auto proxied = Activation::decide(true, "127.0.0.1", "https://video.example.com");
  EXPECT_TRUE(proxied.enabled);
  EXPECT_TRUE(proxied.exposed);
  EXPECT_NE(proxied.exposure.find("https://video.example.com"), std::string::npos);

  const auto local = Activation::decide(true, "::1", "http://[::1]:5080");
  EXPECT_TRUE(local.enabled);
  EXPECT_FALSE(local.exposed);
  EXPECT_TRUE(local.exposure.empty());
}

}  // namespace
}  // namespace parley::demo
