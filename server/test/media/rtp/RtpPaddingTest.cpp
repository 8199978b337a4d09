#include "media/rtp/RtpPadding.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "media/rtp/RtpPacket.h"

namespace parley::media::rtp {
namespace {

// A VP8-like RTP packet: 12-byte header, then `payload` bytes counting up.
std::vector<uint8_t> packet(size_t payload, size_t room = 1600) {
  std::vector<uint8_t> p(room, 0xEE);
  p[0] = 0x80;
  p[1] = 96;
  for (size_t i = 0; i < payload; ++i) p[12 + i] = static_cast<uint8_t>(i);
  return p;
}

TEST(RtpPaddingTest, PadsUpToTheMultipleAndTheParserStripsIt) {
  auto p = packet(1000);
  const size_t size = RtpPadding::alignTo(p.data(), 1012, p.size(), 16);
  EXPECT_EQ(size, 1024u);
  EXPECT_EQ(p[0] & 0x20, 0x20);
  EXPECT_EQ(p[size - 1], 12);
  auto parsed = RtpPacket::parse(p.data(), size);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->payload().size(), 1000u);  // what the receiver depacketizes
  for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(parsed->payload()[i], static_cast<uint8_t>(i));
}

TEST(RtpPaddingTest, NearlyEqualPacketsOfAFrameBecomeEqual) {
  // A frame split as libwebrtc does: sizes within a byte of each other.
  std::array<size_t, 4> sizes = {1101, 1101, 1100, 1100};
  std::array<size_t, 4> padded{};
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto p = packet(sizes[i] - 12);
    padded[i] = RtpPadding::alignTo(p.data(), sizes[i], p.size(), 16);
  }
  for (size_t s : padded) EXPECT_EQ(s, padded[0]);
}

TEST(RtpPaddingTest, LeavesAlignedPaddedForeignAndTightPacketsAlone) {
  auto aligned = packet(1012);
  EXPECT_EQ(RtpPadding::alignTo(aligned.data(), 1024, aligned.size(), 16), 1024u);
  EXPECT_EQ(aligned[0] & 0x20, 0);

  auto own = packet(1000);
  own[0] |= 0x20;
  own[1011] = 4;  // it already ends in 4 bytes of padding
  EXPECT_EQ(RtpPadding::alignTo(own.data(), 1012, own.size(), 16), 1012u);

  auto rtcpLike = packet(1000);
  rtcpLike[0] = 0x40;  // version 1: not ours to touch
  EXPECT_EQ(RtpPadding::alignTo(rtcpLike.data(), 1012, rtcpLike.size(), 16), 1012u);

  auto tight = packet(1000, 1014);
  EXPECT_EQ(RtpPadding::alignTo(tight.data(), 1012, tight.size(), 16), 1012u);
  EXPECT_EQ(tight[0] & 0x20, 0);

  auto tiny = packet(0);
  EXPECT_EQ(RtpPadding::alignTo(tiny.data(), 8, tiny.size(), 16), 8u);
  EXPECT_EQ(RtpPadding::alignTo(tiny.data(), 12, tiny.size(), 1), 12u);
}

}  // namespace
}  // namespace parley::media::rtp
