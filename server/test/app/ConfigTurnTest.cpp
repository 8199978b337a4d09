#include <gtest/gtest.h>

#include <map>

#include "ConfigTestSupport.h"
#include "app/Config.h"

namespace parley::app {
namespace {

using testsupport::envOf;

using Urls = std::vector<std::string>;

TEST(ConfigTurnTest, OffByDefault) {
  auto c = Config::parse({}, envOf({}));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->turnUrls.empty());
  EXPECT_EQ(c->turnTtlSeconds, 86400);
}

TEST(ConfigTurnTest, RepeatedAndCommaSeparatedUrls) {
  auto c = Config::parse({"--turn-url", "turn:turn.example.com:3478",
                          "--turn-url=turns:turn.example.com:443?transport=tcp, "
                          "turn:[2001:db8::1]:3478?transport=tcp",
                          "--turn-secret", "s3cret-s3cret", "--turn-ttl", "3600"},
                         envOf({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  // A turn: URL without a transport is offered over udp and tcp.
  EXPECT_EQ(
      c->turnUrls,
      (Urls{"turn:turn.example.com:3478?transport=udp", "turn:turn.example.com:3478?transport=tcp",
            "turns:turn.example.com:443?transport=tcp", "turn:[2001:db8::1]:3478?transport=tcp"}));
  EXPECT_EQ(c->turnSecret, "s3cret-s3cret");
  EXPECT_EQ(c->turnTtlSeconds, 3600);
}

TEST(ConfigTurnTest, EnvironmentAndFlagsReplacingIt) {
  std::map<std::string, std::string> env = {{"PARLEY_TURN_URL", "turns:a.example:443,turn:b:3478"},
                                            {"PARLEY_TURN_SECRET", "from-the-env"},
                                            {"PARLEY_TURN_TTL", "600"}};
  auto fromEnv = Config::parse({}, envOf(env));
  ASSERT_TRUE(fromEnv.ok()) << fromEnv.error().message;
  EXPECT_EQ(fromEnv->turnUrls, (Urls{"turns:a.example:443", "turn:b:3478?transport=udp",
                                     "turn:b:3478?transport=tcp"}));
  EXPECT_EQ(fromEnv->turnSecret, "from-the-env");
  EXPECT_EQ(fromEnv->turnTtlSeconds, 600);

  auto flags =
      Config::parse({"--turn-url", "turn:c:1?transport=udp", "--turn-url", "turns:d"}, envOf(env));
  ASSERT_TRUE(flags.ok()) << flags.error().message;
  EXPECT_EQ(flags->turnUrls, (Urls{"turn:c:1?transport=udp", "turns:d"}));
}

TEST(ConfigTurnTest, BadValuesAreRejectedWithTheFlagName) {
  const std::vector<std::vector<std::string>> bad = {
      {"--turn-url", "stun:x:3478", "--turn-secret", "12345678"},
      {"--turn-url", "turn://x:3478", "--turn-secret", "12345678"},
      {"--turn-url", "turn:x:0", "--turn-secret", "12345678"},
      {"--turn-url", "turn:x:99999", "--turn-secret", "12345678"},
      {"--turn-url", "turn:", "--turn-secret", "12345678"},
      {"--turn-url", "turn:x?transport=sctp", "--turn-secret", "12345678"},
      {"--turn-url", "turns:x:443?transport=udp", "--turn-secret", "12345678"},
      {"--turn-url", "turn:x y", "--turn-secret", "12345678"},
      {"--turn-url", "turn:x,", "--turn-secret", "12345678"},
      {"--turn-url", "turn:x", "--turn-secret", "short"},
      {"--turn-url", "turn:x", "--turn-secret", "12345678", "--turn-ttl", "59"},
      {"--turn-url", "turn:x", "--turn-secret", "12345678", "--turn-ttl", "604801"},
  };
  for (const auto& args : bad) {
    auto c = Config::parse(args, envOf({}));
    EXPECT_FALSE(c.ok()) << args[1] << " " << args.back();
    if (!c.ok()) EXPECT_NE(c.error().message.find("--turn-"), std::string::npos);
  }
}

TEST(ConfigTurnTest, UrlAndSecretGoTogether) {
  auto noSecret = Config::parse({"--turn-url", "turn:x"}, envOf({}));
  ASSERT_FALSE(noSecret.ok());
  EXPECT_NE(noSecret.error().message.find("--turn-secret"), std::string::npos);
  auto noUrl = Config::parse({"--turn-secret", "12345678"}, envOf({}));
  EXPECT_FALSE(noUrl.ok());
}

TEST(ConfigTurnTest, UsageNamesTheFlagsAndVariables) {
  auto usage = Config::usage();
  for (const char* s : {"--turn-url", "--turn-secret", "--turn-ttl", "PARLEY_TURN_URL",
                        "PARLEY_TURN_SECRET", "PARLEY_TURN_TTL"})
    EXPECT_NE(usage.find(s), std::string::npos) << s;
}

}  // namespace
}  // namespace parley::app
