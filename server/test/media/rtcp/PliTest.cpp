#include "media/rtcp/Pli.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtcp {
namespace {

const std::vector<uint8_t> kPli = {
    0x81, 0xCE, 0x00, 0x02,  // V=2 FMT=1 PT=206 length 2
    0xAA, 0xBB, 0xCC, 0xDD,  // sender SSRC
    0x11, 0x22, 0x33, 0x44,  // media SSRC
};

TEST(PliTest, ParsesAndRoundTrips) {
  const auto pli = Pli::parse(kPli.data(), kPli.size());
  ASSERT_TRUE(pli);
  EXPECT_EQ(pli->senderSsrc(), 0xAABBCCDDu);
  EXPECT_EQ(pli->mediaSsrc(), 0x11223344u);
  uint8_t out[12];
  ASSERT_EQ(Pli::build(out, sizeof out, 0xAABBCCDD, 0x11223344), 12u);
  EXPECT_EQ(std::vector<uint8_t>(out, out + 12), kPli);
  for (size_t cap = 0; cap < 12; ++cap) EXPECT_EQ(Pli::build(out, cap, 1, 2), 0u);
}

TEST(PliTest, RejectsTruncationAndOtherFeedback) {
  for (size_t n = 0; n < kPli.size(); ++n) EXPECT_FALSE(Pli::parse(kPli.data(), n)) << n;
  auto bytes = kPli;
  bytes[0] = 0x84;  // FIR
  EXPECT_FALSE(Pli::parse(bytes.data(), bytes.size()));
  bytes = kPli;
  bytes[1] = 205;  // RTPFB
  EXPECT_FALSE(Pli::parse(bytes.data(), bytes.size()));
}

}  // namespace
}  // namespace parley::media::rtcp
