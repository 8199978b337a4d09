#include "load/AnnexB.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::load {
namespace {

using Bytes = std::vector<uint8_t>;

std::vector<Bytes> split(const Bytes& stream, bool* ok = nullptr) {
  std::vector<std::span<const uint8_t>> nals;
  const bool result = AnnexB::split(stream, nals);
  if (ok) *ok = result;
  std::vector<Bytes> out;
  for (const auto& nal : nals) out.emplace_back(nal.begin(), nal.end());
  return out;
}

TEST(AnnexBTest, SplitsOnThreeAndFourByteStartCodes) {
  bool ok = false;
  const auto nals = split({0, 0, 0, 1, 0x09, 0x10, 0, 0, 1, 0x67, 0x42, 0x00, 0x1e,
                           0, 0, 0, 1, 0x68, 0xce, 0, 0, 0, 0,    1,    0x65, 0x88},
                          &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(nals.size(), 4u);
  EXPECT_EQ(nals[0], (Bytes{0x09, 0x10}));
  EXPECT_EQ(nals[1], (Bytes{0x67, 0x42, 0x00, 0x1e}));  // an inner zero byte stays
  EXPECT_EQ(nals[2], (Bytes{0x68, 0xce}));              // trailing zeros do not
  EXPECT_EQ(nals[3], (Bytes{0x65, 0x88}));
}

TEST(AnnexBTest, SkipsEmptyUnitsAndKeepsEmulationPrevention) {
  bool ok = false;
  const auto nals = split({0, 0, 1, 0, 0, 1, 0x41, 0, 0, 3, 1, 0x80}, &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(nals.size(), 1u);
  EXPECT_EQ(nals[0], (Bytes{0x41, 0, 0, 3, 1, 0x80}));
}

TEST(AnnexBTest, RefusesStreamsNotStartingWithAStartCode) {
  bool ok = true;
  split({0x12, 0, 0, 1, 0x65}, &ok);
  EXPECT_FALSE(ok);
  split({0, 0, 2, 0x65}, &ok);
  EXPECT_FALSE(ok);
  split({}, &ok);
  EXPECT_FALSE(ok);
  split({0, 0, 0, 0, 0, 1, 0x65}, &ok);  // leading zero bytes are allowed
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace parley::load
