#include "signaling/TransactionIds.h"

#include <gtest/gtest.h>

#include <cctype>
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
    auto id = ids.next();
    ASSERT_TRUE(std::regex_match(id.text, shape)) << id.text;
    ASSERT_TRUE(seen.insert(id.text).second);
    ASSERT_EQ(id.sequence, static_cast<std::uint64_t>(i + 1));
  }
  EXPECT_FALSE(seen.count(others.next().text)) << "another instance draws another prefix";
}

TEST(TransactionIdsTest, TextOfASequenceIsTheIssuedText) {
  TransactionIds ids;
  auto first = ids.next();
  auto second = ids.next();
  EXPECT_EQ(ids.text(first.sequence), first.text);
  EXPECT_EQ(ids.text(second.sequence), second.text);
  EXPECT_NE(TransactionIds().text(first.sequence), first.text) << "another prefix";
}

TEST(TransactionIdsTest, ReadsBackOnlyItsOwnIds) {
  TransactionIds ids;
  TransactionIds others;
  auto first = ids.next();
  auto second = ids.next();
  EXPECT_EQ(ids.sequenceOf(first.text), first.sequence);
  EXPECT_EQ(ids.sequenceOf(second.text), second.sequence);
  EXPECT_FALSE(ids.sequenceOf(others.next().text)) << "another prefix";
  std::string upper = second.text;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != second.text) EXPECT_FALSE(ids.sequenceOf(upper)) << "ids are lowercase";
  std::string notIssued = second.text;
  notIssued.back() = notIssued.back() == 'f' ? 'e' : 'f';  // beyond the counter
  EXPECT_FALSE(ids.sequenceOf(notIssued));
  EXPECT_FALSE(ids.sequenceOf(""));
  EXPECT_FALSE(ids.sequenceOf(second.text.substr(1)));
  std::string moved = second.text;
  std::swap(moved[8], moved[9]);  // a dash out of place
  EXPECT_FALSE(ids.sequenceOf(moved));
}

}  // namespace
}  // namespace parley::signaling
