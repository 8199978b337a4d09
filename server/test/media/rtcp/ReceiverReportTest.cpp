#include "media/rtcp/ReceiverReport.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtcp {
namespace {

// RR, RC 2, length 13 (56 bytes).
const std::vector<uint8_t> kRr = {
    0x82, 0xC9, 0x00, 0x0D,  // V=2 RC=2 PT=201 length 13
    0x01, 0x01, 0x01, 0x01,  // reporter SSRC
    0x0A, 0x0A, 0x0A, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // block 1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x0B, 0x0B, 0x0B, 0x0B, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  // block 2
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
};

TEST(ReceiverReportTest, Parses) {
  const auto rr = ReceiverReport::parse(kRr.data(), kRr.size());
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->ssrc(), 0x01010101u);
  ASSERT_EQ(rr->reportCount(), 2u);
  EXPECT_EQ(rr->reportBlock(0).ssrc, 0x0A0A0A0Au);
  EXPECT_EQ(rr->reportBlock(0).highestSequence, 1u);
  EXPECT_EQ(rr->reportBlock(1).ssrc, 0x0B0B0B0Bu);
  EXPECT_EQ(rr->reportBlock(1).fractionLost, 255);
  EXPECT_EQ(rr->reportBlock(1).cumulativeLost, -0x800000);
}

TEST(ReceiverReportTest, RejectsTruncation) {
  for (size_t n = 0; n < kRr.size(); ++n) EXPECT_FALSE(ReceiverReport::parse(kRr.data(), n)) << n;
}

TEST(ReceiverReportTest, BuildRoundTrip) {
  const auto rr = ReceiverReport::parse(kRr.data(), kRr.size());
  ASSERT_TRUE(rr);
  const ReportBlock blocks[2] = {rr->reportBlock(0), rr->reportBlock(1)};
  uint8_t out[64];
  const size_t n = ReceiverReport::build(out, sizeof out, rr->ssrc(), blocks);
  ASSERT_EQ(n, kRr.size());
  EXPECT_EQ(std::vector<uint8_t>(out, out + n), kRr);
  for (size_t cap = 0; cap < n; ++cap)
    EXPECT_EQ(ReceiverReport::build(out, cap, rr->ssrc(), blocks), 0u);
  // An empty RR is valid (8 bytes).
  ASSERT_EQ(ReceiverReport::build(out, sizeof out, 7, {}), 8u);
  ASSERT_TRUE(ReceiverReport::parse(out, 8));
  EXPECT_EQ(ReceiverReport::parse(out, 8)->reportCount(), 0u);
}

}  // namespace
}  // namespace parley::media::rtcp
