#include "media/rtcp/Fir.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtcp {
namespace {

const std::vector<uint8_t> kFir = {
    0x84, 0xCE, 0x00, 0x04,  // V=2 FMT=4 PT=206 length 4 (20 bytes)
    0x00, 0x00, 0x00, 0x01,  // sender SSRC
    0x00, 0x00, 0x00, 0x00,  // media SSRC (unused)
    0xDE, 0xAD, 0xBE, 0xEF,  // FCI: SSRC
    0x07, 0x00, 0x00, 0x00,  //      seq nr 7, reserved
};

TEST(FirTest, ParsesAndRoundTrips) {
  const auto fir = Fir::parse(kFir.data(), kFir.size());
  ASSERT_TRUE(fir);
  EXPECT_EQ(fir->senderSsrc(), 1u);
  ASSERT_EQ(fir->entryCount(), 1u);
  EXPECT_EQ(fir->entry(0).ssrc, 0xDEADBEEFu);
  EXPECT_EQ(fir->entry(0).sequenceNumber, 7);
  EXPECT_EQ(fir->entry(1).ssrc, 0u);
  uint8_t out[20];
  ASSERT_EQ(Fir::build(out, sizeof out, 1, {0xDEADBEEF, 7}), 20u);
  EXPECT_EQ(std::vector<uint8_t>(out, out + 20), kFir);
  for (size_t cap = 0; cap < 20; ++cap) EXPECT_EQ(Fir::build(out, cap, 1, {2, 3}), 0u);
}

TEST(FirTest, RejectsTruncationAndEmpty) {
  for (size_t n = 0; n < kFir.size(); ++n) EXPECT_FALSE(Fir::parse(kFir.data(), n)) << n;
  const std::vector<uint8_t> empty = {0x84, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0};
  EXPECT_FALSE(Fir::parse(empty.data(), empty.size()));
}

}  // namespace
}  // namespace parley::media::rtcp
