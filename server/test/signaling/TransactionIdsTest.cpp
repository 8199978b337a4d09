#include "signaling/TransactionIds.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace parley::signaling {
namespace {

TEST(TransactionIdsTest, UniqueAndShapedLikeUuids) {
  TransactionIds ids;
  TransactionIds others;
  std::set<std::string> seen;
  const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  for (int i = 0; i < 1000; ++i) {
    std::string id = ids.next();
    ASSERT_TRUE(std::regex_match(id, shape)) << id;
    ASSERT_TRUE(seen.insert(id).second);
  }
  EXPECT_FALSE(seen.count(others.next())) << "another instance draws another prefix";
}

}  // namespace
}  // namespace parley::signaling
