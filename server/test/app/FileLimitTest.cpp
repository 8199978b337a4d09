#include "app/FileLimit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace parley::app {
namespace {

TEST(FileLimitTest, RaisesTheSoftLimitToTheHardOne) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  if (before.rlim_cur > 64) {
    rlimit lowered = before;
    lowered.rlim_cur = 64;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  }
  auto limits = FileLimit::raise();
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, after.rlim_max);
  if (after.rlim_cur != RLIM_INFINITY) {
    EXPECT_EQ(limits.soft, static_cast<std::size_t>(after.rlim_cur));
  }
  setrlimit(RLIMIT_NOFILE, &before);
}

TEST(FileLimitTest, KeepsAShareOfDescriptorsForEverythingElse) {
  EXPECT_EQ(FileLimit::connectionBudget(1024), 768u);
  EXPECT_EQ(FileLimit::connectionBudget(200), 136u);
  EXPECT_LT(FileLimit::connectionBudget(1 << 20), std::size_t(1) << 20);
  EXPECT_GT(FileLimit::connectionBudget(40), 0u);
}

}  // namespace
}  // namespace parley::app
