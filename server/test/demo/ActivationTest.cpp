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

TEST(ActivationTest, OnByDefaultOnlyOnLoopback) {
  EXPECT_TRUE(Activation::decide(std::nullopt, "127.0.0.1").enabled);
  EXPECT_FALSE(Activation::decide(std::nullopt, "127.0.0.1").exposed);
  EXPECT_FALSE(Activation::decide(std::nullopt, "0.0.0.0").enabled);
  EXPECT_FALSE(Activation::decide(std::nullopt, "203.0.113.7").enabled);
}

TEST(ActivationTest, NoDemoAlwaysWins) {
  EXPECT_FALSE(Activation::decide(false, "127.0.0.1").enabled);
  EXPECT_FALSE(Activation::decide(false, "0.0.0.0").enabled);
}

TEST(ActivationTest, ExplicitDemoOnAPublicAddressIsExposed) {
  const auto a = Activation::decide(true, "0.0.0.0");
  EXPECT_TRUE(a.enabled);
  EXPECT_TRUE(a.exposed);
  EXPECT_FALSE(Activation::decide(true, "::1").exposed);
}

}  // namespace
}  // namespace parley::demo
