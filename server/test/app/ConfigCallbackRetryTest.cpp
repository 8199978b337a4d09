// The webhook retry flag of Config (kept apart from ConfigTest.cpp, which others edit).
#include <gtest/gtest.h>

#include <map>

#include "app/Config.h"

namespace parley::app {
namespace {

Config::EnvLookup envOf(std::map<std::string, std::string> values) {
  return [values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigCallbackRetryTest, DefaultFlagAndEnvironment) {
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

TEST(ConfigCallbackRetryTest, OutOfRangeIsRejected) {
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
