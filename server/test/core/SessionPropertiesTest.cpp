#include "core/SessionProperties.h"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(SessionPropertiesTest, NamesRoundTrip) {
  for (MediaMode m : {MediaMode::Routed, MediaMode::Relayed})
    EXPECT_EQ(parseMediaMode(mediaModeName(m)), m);
  for (ArchiveMode m : {ArchiveMode::Manual, ArchiveMode::Always})
    EXPECT_EQ(parseArchiveMode(archiveModeName(m)), m);
  EXPECT_EQ(mediaModeName(MediaMode::Routed), "routed");
  EXPECT_EQ(archiveModeName(ArchiveMode::Always), "always");
  EXPECT_FALSE(parseMediaMode("enabled"));
  EXPECT_FALSE(parseArchiveMode("ALWAYS"));
}

TEST(SessionPropertiesTest, DefaultsMatchSdkDefaults) {
  const SessionProperties p;
  EXPECT_EQ(p.mediaMode, MediaMode::Relayed);
  EXPECT_EQ(p.archiveMode, ArchiveMode::Manual);
  EXPECT_FALSE(p.e2ee);
}

}  // namespace
}  // namespace parley::core
