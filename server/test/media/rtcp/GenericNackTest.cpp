#include "media/rtcp/GenericNack.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtcp {
namespace {

// NACK with two FCI entries:
//   PID 100, BLP 0x8005 → 100, 101, 103, 116
//   PID 65535, BLP 0x0001 → 65535, 0 (wraps)
const std::vector<uint8_t> kNack = {
    0x81, 0xCD, 0x00, 0x04,  // V=2 FMT=1 PT=205 length 4 (20 bytes)
    0x00, 0x00, 0x00, 0x0A,  // sender SSRC
    0x00, 0x00, 0x00, 0x0B,  // media SSRC
    0x00, 0x64, 0x80, 0x05,  // PID 100, BLP 0x8005
    0xFF, 0xFF, 0x00, 0x01,  // PID 65535, BLP 0x0001
};

TEST(GenericNackTest, ParsesEntriesAndLostList) {
  const auto nack = GenericNack::parse(kNack.data(), kNack.size());
  ASSERT_TRUE(nack);
  EXPECT_EQ(nack->senderSsrc(), 10u);
  EXPECT_EQ(nack->mediaSsrc(), 11u);
  ASSERT_EQ(nack->entryCount(), 2u);
  EXPECT_EQ(nack->pid(0), 100);
  EXPECT_EQ(nack->blp(0), 0x8005);
  EXPECT_EQ(nack->pid(1), 65535);
  uint16_t lost[40];
  const size_t n = nack->lostSequenceNumbers(lost, 40);
  EXPECT_EQ(std::vector<uint16_t>(lost, lost + n),
            (std::vector<uint16_t>{100, 101, 103, 116, 65535, 0}));
  EXPECT_EQ(nack->lostSequenceNumbers(lost, 3), 3u);
  EXPECT_EQ(lost[2], 103);
  EXPECT_EQ(nack->lostSequenceNumbers(lost, 0), 0u);
}

TEST(GenericNackTest, RejectsTruncationWrongFmtAndEmpty) {
  for (size_t n = 0; n < kNack.size(); ++n) EXPECT_FALSE(GenericNack::parse(kNack.data(), n)) << n;
  auto bytes = kNack;
  bytes[0] = 0x8F;  // FMT 15
  EXPECT_FALSE(GenericNack::parse(bytes.data(), bytes.size()));
  const std::vector<uint8_t> empty = {0x81, 0xCD, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
  EXPECT_FALSE(GenericNack::parse(empty.data(), empty.size()));
}

TEST(GenericNackTest, BuildMatchesHandcraftedBytes) {
  const uint16_t lost[] = {100, 101, 103, 116, 65535, 0};
  uint8_t out[64];
  const size_t n = GenericNack::build(out, sizeof out, 10, 11, lost, 6);
  ASSERT_EQ(n, kNack.size());
  EXPECT_EQ(std::vector<uint8_t>(out, out + n), kNack);
  for (size_t cap = 0; cap < n; ++cap) EXPECT_EQ(GenericNack::build(out, cap, 10, 11, lost, 6), 0u);
  EXPECT_EQ(GenericNack::build(out, sizeof out, 10, 11, lost, 0), 0u);
}

TEST(GenericNackTest, BuildRoundTripManyAndDuplicates) {
  std::vector<uint16_t> lost;
  for (int i = 0; i < 300; ++i) lost.push_back(static_cast<uint16_t>(65000 + 3 * i));
  std::vector<uint16_t> withDup = lost;
  withDup.insert(withDup.begin() + 5, withDup[4]);
  std::vector<uint8_t> out(4096);
  const size_t n = GenericNack::build(out.data(), out.size(), 1, 2, withDup.data(), withDup.size());
  ASSERT_GT(n, 0u);
  const auto nack = GenericNack::parse(out.data(), n);
  ASSERT_TRUE(nack);
  std::vector<uint16_t> back(lost.size() + 10);
  back.resize(nack->lostSequenceNumbers(back.data(), back.size()));
  EXPECT_EQ(back, lost);
}

}  // namespace
}  // namespace parley::media::rtcp
