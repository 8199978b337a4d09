#include "ConfigTestSupport.h"
#include "app/Config.h"

#include <gtest/gtest.h>

#include <map>

namespace parley::app {
namespace {

using testsupport::envOf;

TEST(ConfigTest, DefaultsMatchTheDocumentation) {
  auto c = Config::parse({}, envOf({}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->listenHost, "127.0.0.1");
  EXPECT_EQ(c->listenPort, 5080);
  EXPECT_EQ(c->rtcPort, 5090);
  EXPECT_EQ(c->rtcSliceUs, 100u);
  EXPECT_EQ(c->dataDir, "./parley-data");
  EXPECT_EQ(c->logLevel, "info");
  EXPECT_EQ(c->effectivePublicUrl(), "http://127.0.0.1:5080");
  EXPECT_EQ(c->effectiveRtcIp(), "127.0.0.1");
}

TEST(ConfigTest, FlagsInBothSpellings) {
  auto c =
      Config::parse({"--listen", "0.0.0.0:6000", "--rtc-port=7000", "--data-dir", "/tmp/x",
                     "--api-key", "1234", "--api-secret", "secretsecret", "--log-level", "debug"},
                    envOf({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->listenHost, "0.0.0.0");
  EXPECT_EQ(c->listenPort, 6000);
  EXPECT_EQ(c->rtcPort, 7000);
  EXPECT_EQ(c->dataDir, "/tmp/x");
  EXPECT_EQ(c->apiKey, "1234");
  EXPECT_EQ(c->logLevel, "debug");
  // A wildcard listen address is not something a client can dial.
  EXPECT_EQ(c->effectivePublicUrl(), "http://127.0.0.1:6000");
}

TEST(ConfigTest, EnvironmentIsOverriddenByFlags) {
  auto env = envOf({{"PARLEY_LISTEN", "127.0.0.2:1234"},
                    {"PARLEY_DATA_DIR", "/env/dir"},
                    {"PARLEY_PUBLIC_URL", "https://video.example.com/"}});
  auto c = Config::parse({"--data-dir", "/flag/dir"}, env);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->listenHost, "127.0.0.2");
  EXPECT_EQ(c->listenPort, 1234);
  EXPECT_EQ(c->dataDir, "/flag/dir");
  EXPECT_EQ(c->effectivePublicUrl(), "https://video.example.com");
}

TEST(ConfigTest, TlsMakesTheDerivedUrlHttps) {
  auto c = Config::parse({"--tls-cert", "c.pem", "--tls-key", "k.pem"}, envOf({}));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->tls());
  EXPECT_EQ(c->effectivePublicUrl(), "https://127.0.0.1:5080");
}

TEST(ConfigTest, BadInputIsRejectedWithTheFlagName) {
  struct Case {
    std::vector<std::string> args;
    std::string mentions;
  };
  std::vector<Case> cases = {
      {{"--listen", "nope"}, "--listen"},
      {{"--listen", "127.0.0.1:99999"}, "--listen"},
      {{"--rtc-port", "0"}, "--rtc-port"},
      {{"--rtc-slice-us", "50"}, "--rtc-slice-us"},  // under the kernel's 0.1 ms floor
      {{"--rtc-slice-us", "100001"}, "--rtc-slice-us"},
      {{"--log-level", "loud"}, "--log-level"},
      {{"--public-url", "ftp://x"}, "--public-url"},
      {{"--bogus"}, "--bogus"},
      {{"--data-dir"}, "--data-dir"},
      {{"--tls-cert", "c.pem"}, "--tls-key"},
      {{"--api-key", "123"}, "--api-secret"},
      {{"--api-key", "12 3", "--api-secret", "secretsecret"}, "--api-key"},
  };
  for (const auto& k : cases) {
    auto c = Config::parse(k.args, envOf({}));
    ASSERT_FALSE(c.ok()) << k.args[0];
    EXPECT_NE(c.error().message.find(k.mentions), std::string::npos) << c.error().message;
  }
}

TEST(ConfigTest, SchedulerSliceFlagAndEnvironment) {
  auto off = Config::parse({"--rtc-slice-us", "0"}, envOf({}));
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->rtcSliceUs, 0u);
  auto env = Config::parse({}, envOf({{"PARLEY_RTC_SLICE_US", "250"}}));
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->rtcSliceUs, 250u);
  EXPECT_NE(Config::usage().find("--rtc-slice-us"), std::string::npos);
}

TEST(ConfigTest, BadEnvironmentNamesTheVariable) {
  auto c = Config::parse({}, envOf({{"PARLEY_RTC_PORT", "abc"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("PARLEY_RTC_PORT"), std::string::npos);
}

TEST(ConfigTest, UsageListsEveryFlag) {
  std::string usage = Config::usage();
  for (const char* flag :
       {"--listen", "--public-url", "--rtc-port", "--rtc-ip", "--data-dir", "--api-key",
        "--api-secret", "--tls-cert", "--tls-key", "--log-level", "--help"})
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
}

TEST(ConfigTest, CallbackRetryFlagAndEnvironment) {
  auto defaults = Config::parse({}, envOf({}));
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->callbackRetryBase, std::chrono::milliseconds(1000));

  auto flag = Config::parse({"--callback-retry-ms", "200"}, envOf({}));
  ASSERT_TRUE(flag.ok()) << flag.error().message;
  EXPECT_EQ(flag->callbackRetryBase, std::chrono::milliseconds(200));

  auto env = Config::parse({}, envOf({{"PARLEY_CALLBACK_RETRY_MS", "50"}}));
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->callbackRetryBase, std::chrono::milliseconds(50));
}

TEST(ConfigTest, CallbackRetryOutOfRangeIsRejected) {
  for (const char* bad : {"0", "9", "300001", "soon", ""}) {
    auto c = Config::parse({"--callback-retry-ms", bad}, envOf({}));
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_NE(c.error().message.find("--callback-retry-ms"), std::string::npos);
    }
  }
  EXPECT_NE(Config::usage().find("--callback-retry-ms"), std::string::npos);
}

}  // namespace
}  // namespace parley::app

namespace parley::app {
namespace {

TEST(ConfigTest, DemoSwitchesAndWebDir) {
  auto unset = Config::parse({}, envOf({}));
  ASSERT_TRUE(unset.ok());
  EXPECT_FALSE(unset->demo.has_value());
  EXPECT_EQ(unset->webDir, "web/demo");

  auto on = Config::parse({"--demo", "--web-dir", "/srv/demo"}, envOf({}));
  ASSERT_TRUE(on.ok()) << on.error().message;
  EXPECT_EQ(on->demo, std::optional<bool>(true));
  EXPECT_EQ(on->webDir, "/srv/demo");

  auto off = Config::parse({"--no-demo"}, envOf({{"PARLEY_DEMO", "on"}}));
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_EQ(off->demo, std::optional<bool>(false));

  // The last switch wins, like any repeated flag.
  auto last = Config::parse({"--no-demo", "--demo"}, envOf({}));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->demo, std::optional<bool>(true));
}

TEST(ConfigTest, DemoEnvironment) {
  auto on = Config::parse({}, envOf({{"PARLEY_DEMO", "on"}, {"PARLEY_WEB_DIR", "w"}}));
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->demo, std::optional<bool>(true));
  EXPECT_EQ(on->webDir, "w");
  auto off = Config::parse({}, envOf({{"PARLEY_DEMO", "off"}}));
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->demo, std::optional<bool>(false));
  auto automatic = Config::parse({}, envOf({{"PARLEY_DEMO", "auto"}}));
  ASSERT_TRUE(automatic.ok());
  EXPECT_FALSE(automatic->demo.has_value());

  auto bad = Config::parse({}, envOf({{"PARLEY_DEMO", "maybe"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("PARLEY_DEMO"), std::string::npos) << bad.error().message;
}

TEST(ConfigTest, DemoSwitchTakesNoValue) {
  auto c = Config::parse({"--demo=off"}, envOf({}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("--demo takes no value"), std::string::npos);
  // The word after a switch is the next argument, not its value.
  auto next = Config::parse({"--no-demo", "off"}, envOf({}));
  EXPECT_FALSE(next.ok());
}

TEST(ConfigTest, UsageShowsTheDemoSwitches) {
  const std::string usage = Config::usage();
  EXPECT_NE(usage.find("--demo "), std::string::npos);
  EXPECT_NE(usage.find("--no-demo "), std::string::npos);
  EXPECT_NE(usage.find("PARLEY_DEMO=on|off|auto"), std::string::npos);
  EXPECT_NE(usage.find("--web-dir DIR"), std::string::npos);
}

TEST(ConfigTest, PrivateCallbacksAreOffUnlessAllowed) {
  auto defaults = Config::parse({}, envOf({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->allowPrivateCallbacks);
  EXPECT_FALSE(defaults->allowPrivateRtmp);
  auto rtmp = Config::parse({"--allow-private-rtmp"}, envOf({}));
  ASSERT_TRUE(rtmp);
  EXPECT_TRUE(rtmp->allowPrivateRtmp);
  EXPECT_FALSE(rtmp->allowPrivateCallbacks);
  auto flag = Config::parse({"--allow-private-callbacks"}, envOf({}));
  ASSERT_TRUE(flag.ok());
  EXPECT_TRUE(flag->allowPrivateCallbacks);
  auto env = Config::parse({}, envOf({{"PARLEY_ALLOW_PRIVATE_CALLBACKS", "on"}}));
  ASSERT_TRUE(env.ok());
  EXPECT_TRUE(env->allowPrivateCallbacks);
  auto off = Config::parse({}, envOf({{"PARLEY_ALLOW_PRIVATE_CALLBACKS", "0"}}));
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->allowPrivateCallbacks);
  EXPECT_FALSE(Config::parse({}, envOf({{"PARLEY_ALLOW_PRIVATE_CALLBACKS", "yes please"}})).ok());
  EXPECT_FALSE(Config::parse({"--allow-private-callbacks=on"}, envOf({})).ok());
  EXPECT_NE(Config::usage().find("PARLEY_ALLOW_PRIVATE_CALLBACKS=on|off"), std::string::npos);
}

}  // namespace
}  // namespace parley::app
