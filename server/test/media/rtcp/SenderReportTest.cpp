#include "media/rtcp/SenderReport.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtcp {
namespace {

// SR, RC 1, length 12 (52 bytes).
const std::vector<uint8_t> kSr = {
    0x81, 0xC8, 0x00, 0x0C,                          // V=2 RC=1 PT=200 length 12
    0x12, 0x34, 0x56, 0x78,                          // SSRC
    0xE8, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00,  // NTP 0xE8000001.80000000
    0x00, 0x00, 0x10, 0x00,                          // RTP timestamp
    0x00, 0x00, 0x00, 0x64,                          // packets 100
    0x00, 0x00, 0x27, 0x10,                          // octets 10000
    0x9A, 0xBC, 0xDE, 0xF0,                          // block SSRC
    0x10, 0x00, 0x00, 0x03,                          // fraction 16, lost 3
    0x00, 0x00, 0x12, 0x34,                          // highest seq
    0x00, 0x00, 0x00, 0x20,                          // jitter
    0x11, 0x22, 0x33, 0x44,                          // LSR
    0x00, 0x00, 0x00, 0x10,                          // DLSR
};

TEST(SenderReportTest, Parses) {
  const auto sr = SenderReport::parse(kSr.data(), kSr.size());
  ASSERT_TRUE(sr);
  const auto info = sr->info();
  EXPECT_EQ(info.ssrc, 0x12345678u);
  EXPECT_EQ(info.ntpTimestamp, 0xE800000180000000ull);
  EXPECT_EQ(info.rtpTimestamp, 0x1000u);
  EXPECT_EQ(info.packetCount, 100u);
  EXPECT_EQ(info.octetCount, 10000u);
  ASSERT_EQ(sr->reportCount(), 1u);
  const auto b = sr->reportBlock(0);
  EXPECT_EQ(b.ssrc, 0x9ABCDEF0u);
  EXPECT_EQ(b.fractionLost, 16);
  EXPECT_EQ(b.cumulativeLost, 3);
  EXPECT_EQ(b.highestSequence, 0x1234u);
  EXPECT_EQ(sr->reportBlock(1).ssrc, 0u);
}

TEST(SenderReportTest, RejectsTruncationAndWrongType) {
  for (size_t n = 0; n < kSr.size(); ++n) EXPECT_FALSE(SenderReport::parse(kSr.data(), n)) << n;
  auto bytes = kSr;
  bytes[1] = 201;
  EXPECT_FALSE(SenderReport::parse(bytes.data(), bytes.size()));
  bytes = kSr;
  bytes[0] = 0x82;  // RC 2 but room for one block
  EXPECT_FALSE(SenderReport::parse(bytes.data(), bytes.size()));
}

TEST(SenderReportTest, BuildRoundTrip) {
  const auto sr = SenderReport::parse(kSr.data(), kSr.size());
  ASSERT_TRUE(sr);
  const ReportBlock blocks[1] = {sr->reportBlock(0)};
  uint8_t out[64];
  const size_t n = SenderReport::build(out, sizeof out, sr->info(), blocks);
  ASSERT_EQ(n, kSr.size());
  EXPECT_EQ(std::vector<uint8_t>(out, out + n), kSr);
  for (size_t cap = 0; cap < n; ++cap)
    EXPECT_EQ(SenderReport::build(out, cap, sr->info(), blocks), 0u);
  EXPECT_EQ(SenderReport::build(out, sizeof out, sr->info(), {}), 28u);
}

}  // namespace
}  // namespace parley::media::rtcp
