#include "media/rtcp/Remb.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtcp {
namespace {

// REMB 1,000,000 bps = 250000 << 2 → exp 2, mantissa 250000 (0x3D090), two SSRCs.
// exp/mantissa bytes: (2 << 18) | 0x3D090 = 0x0BD090.
const std::vector<uint8_t> kRemb = {
    0x8F, 0xCE, 0x00, 0x06,  // V=2 FMT=15 PT=206 length 6 (28 bytes)
    0x00, 0x00, 0x00, 0x01,  // sender SSRC
    0x00, 0x00, 0x00, 0x00,  // media SSRC 0
    'R',  'E',  'M',  'B',   // unique id
    0x02, 0x0B, 0xD0, 0x90,  // num SSRC 2, exp 2, mantissa 250000
    0x00, 0x00, 0x00, 0x0A,  // SSRC 10
    0x00, 0x00, 0x00, 0x0B,  // SSRC 11
};

TEST(RembTest, Parses) {
  const auto remb = Remb::parse(kRemb.data(), kRemb.size());
  ASSERT_TRUE(remb);
  EXPECT_EQ(remb->senderSsrc(), 1u);
  EXPECT_EQ(remb->bitrate(), 1000000u);
  ASSERT_EQ(remb->ssrcCount(), 2u);
  EXPECT_EQ(remb->ssrc(0), 10u);
  EXPECT_EQ(remb->ssrc(1), 11u);
  EXPECT_EQ(remb->ssrc(2), 0u);
}

TEST(RembTest, RejectsTruncationBadIdAndTooManySsrcs) {
  for (size_t n = 0; n < kRemb.size(); ++n) EXPECT_FALSE(Remb::parse(kRemb.data(), n)) << n;
  auto bytes = kRemb;
  bytes[15] = 'X';
  EXPECT_FALSE(Remb::parse(bytes.data(), bytes.size()));
  bytes = kRemb;
  bytes[16] = 3;
  EXPECT_FALSE(Remb::parse(bytes.data(), bytes.size()));
}

TEST(RembTest, BuildMatchesAndRoundTrips) {
  const uint32_t ssrcs[2] = {10, 11};
  uint8_t out[64];
  const size_t n = Remb::build(out, sizeof out, 1, 1000000, ssrcs);
  ASSERT_EQ(n, kRemb.size());
  EXPECT_EQ(std::vector<uint8_t>(out, out + n), kRemb);
  for (size_t cap = 0; cap < n; ++cap) EXPECT_EQ(Remb::build(out, cap, 1, 1000000, ssrcs), 0u);
  for (uint64_t rate :
       {0ull, 1ull, 262143ull, 262144ull, 5000000ull, 123456789ull, (1ull << 40) + 12345}) {
    ASSERT_GT(Remb::build(out, sizeof out, 1, rate, {}), 0u);
    const auto remb = Remb::parse(out, 20);
    ASSERT_TRUE(remb);
    // Rounded down to 18 significant bits.
    EXPECT_LE(remb->bitrate(), rate);
    EXPECT_GE(remb->bitrate(), rate - (rate >> 17));
  }
}

TEST(RembTest, HugeExponentSaturates) {
  auto bytes = kRemb;
  bytes[17] = 0xFF;  // exp 63, mantissa high bits set
  const auto remb = Remb::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(remb);
  EXPECT_EQ(remb->bitrate(), UINT64_MAX);
}

}  // namespace
}  // namespace parley::media::rtcp
