#include "media/rtcp/ReportBlock.h"

#include <gtest/gtest.h>

namespace parley::media::rtcp {
namespace {

TEST(RtcpReportBlockTest, ReadsFields) {
  const uint8_t bytes[24] = {
      0x01, 0x02, 0x03, 0x04,  // SSRC
      0x40, 0xFF, 0xFF, 0xFE,  // fraction 64, cumulative lost -2
      0x00, 0x01, 0x00, 0x05,  // extended highest seq
      0x00, 0x00, 0x01, 0x00,  // jitter 256
      0xAA, 0xBB, 0xCC, 0xDD,  // LSR
      0x00, 0x01, 0x00, 0x00,  // DLSR
  };
  const auto b = ReportBlock::read(bytes);
  EXPECT_EQ(b.ssrc, 0x01020304u);
  EXPECT_EQ(b.fractionLost, 64);
  EXPECT_EQ(b.cumulativeLost, -2);
  EXPECT_EQ(b.highestSequence, 0x00010005u);
  EXPECT_EQ(b.jitter, 256u);
  EXPECT_EQ(b.lastSenderReport, 0xAABBCCDDu);
  EXPECT_EQ(b.delaySinceLastSenderReport, 0x10000u);
  uint8_t out[24];
  b.write(out);
  for (size_t i = 0; i < 24; ++i) EXPECT_EQ(out[i], bytes[i]) << i;
}

TEST(RtcpReportBlockTest, ClampsCumulativeLost) {
  ReportBlock b;
  b.cumulativeLost = 0x7FFFFFFF;
  uint8_t out[24];
  b.write(out);
  EXPECT_EQ(ReportBlock::read(out).cumulativeLost, 0x7FFFFF);
  b.cumulativeLost = -0x7FFFFFFF;
  b.write(out);
  EXPECT_EQ(ReportBlock::read(out).cumulativeLost, -0x800000);
}

}  // namespace
}  // namespace parley::media::rtcp
