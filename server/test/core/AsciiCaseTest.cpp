#include "core/AsciiCase.h"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(AsciiCaseTest, FoldsAsciiLettersOnly) {
  EXPECT_TRUE(equalsIgnoringCase("Same-Origin", "same-origin"));
  EXPECT_TRUE(equalsIgnoringCase("SHA-256", "sha-256"));
  EXPECT_TRUE(equalsIgnoringCase("", ""));
  EXPECT_FALSE(equalsIgnoringCase("none", "non"));
  EXPECT_FALSE(equalsIgnoringCase("a-b", "a_b"));
  EXPECT_FALSE(equalsIgnoringCase("\xC3\x89", "\xC3\xA9")) << "non-ASCII bytes compare as they are";
  EXPECT_FALSE(equalsIgnoringCase("@", "`")) << "only A-Z are folded";
}

}  // namespace
}  // namespace parley::core
