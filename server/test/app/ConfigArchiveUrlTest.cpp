#include <gtest/gtest.h>

#include "ConfigTestSupport.h"
#include "app/Config.h"

namespace parley::app {
namespace {

using testsupport::envOf;

TEST(ConfigArchiveUrlTest, LinksLastTenMinutesByDefault) {
  auto c = Config::parse({}, envOf({}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->archiveUrlTtlSeconds, 600);
}

TEST(ConfigArchiveUrlTest, FlagBeatsEnvironment) {
  auto c = Config::parse({}, envOf({{"PARLEY_ARCHIVE_URL_TTL", "3600"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->archiveUrlTtlSeconds, 3600);
  c = Config::parse({"--archive-url-ttl", "60"}, envOf({{"PARLEY_ARCHIVE_URL_TTL", "3600"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->archiveUrlTtlSeconds, 60);
  c = Config::parse({"--archive-url-ttl=604800"}, envOf({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->archiveUrlTtlSeconds, 604800);
}

TEST(ConfigArchiveUrlTest, OutOfRangeOrNotANumberIsRefused) {
  for (const char* bad : {"59", "604801", "0", "-600", "10m", ""}) {
    auto c = Config::parse({"--archive-url-ttl", bad}, envOf({}));
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().message.find("--archive-url-ttl"), std::string::npos) << c.error().message;
  }
}

TEST(ConfigArchiveUrlTest, HelpListsTheFlag) {
  EXPECT_NE(Config::usage().find("--archive-url-ttl SECONDS"), std::string::npos);
}

}  // namespace
}  // namespace parley::app
