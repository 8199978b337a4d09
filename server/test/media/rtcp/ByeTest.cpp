#include "media/rtcp/Bye.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtcp {
namespace {

// BYE, SC 2, reason "gone" (1 + 4 bytes, padded to 8).
const std::vector<uint8_t> kBye = {
    0x82, 0xCB, 0x00, 0x04,  // V=2 SC=2 PT=203 length 4 (20 bytes)
    0x00, 0x00, 0x00, 0x01,  // SSRC 1
    0x00, 0x00, 0x00, 0x02,  // SSRC 2
    0x04, 'g',  'o',  'n',   // reason length 4
    'e',  0x00, 0x00, 0x00,  // padding
};

TEST(ByeTest, Parses) {
  const auto bye = Bye::parse(kBye.data(), kBye.size());
  ASSERT_TRUE(bye);
  ASSERT_EQ(bye->ssrcCount(), 2u);
  EXPECT_EQ(bye->ssrc(0), 1u);
  EXPECT_EQ(bye->ssrc(1), 2u);
  EXPECT_EQ(bye->ssrc(2), 0u);
  EXPECT_EQ(bye->reason(), "gone");
}

TEST(ByeTest, RejectsTruncationAndReasonOverrun) {
  for (size_t n = 0; n < kBye.size(); ++n) EXPECT_FALSE(Bye::parse(kBye.data(), n)) << n;
  auto bytes = kBye;
  bytes[12] = 8;  // reason longer than the 7 bytes left
  EXPECT_FALSE(Bye::parse(bytes.data(), bytes.size()));
}

TEST(ByeTest, BuildRoundTrip) {
  const uint32_t ssrcs[2] = {1, 2};
  uint8_t out[32];
  size_t n = Bye::build(out, sizeof out, ssrcs, "gone");
  ASSERT_EQ(n, kBye.size());
  EXPECT_EQ(std::vector<uint8_t>(out, out + n), kBye);
  for (size_t cap = 0; cap < n; ++cap) EXPECT_EQ(Bye::build(out, cap, ssrcs, "gone"), 0u);
  n = Bye::build(out, sizeof out, ssrcs);
  ASSERT_EQ(n, 12u);
  const auto bye = Bye::parse(out, n);
  ASSERT_TRUE(bye);
  EXPECT_FALSE(bye->reason());
}

}  // namespace
}  // namespace parley::media::rtcp
