#include "media/rtp/RtpPacket.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtp {
namespace {

// V=2 P=1 X=1 CC=2, M=1 PT=111, seq 0x1234, ts 0xDEADBEEF, SSRC 0x11223344,
// CSRCs 0xAAAAAAAA 0xBBBBBBBB, one-byte extension block of 2 words:
//   id 1 len 1 (0x10 0x2A), padding 0x00, id 3 len 2 (0x31 0x01 0x02), padding 0x00 0x00
// payload 0xCA 0xFE 0xBA, padding 0x00 0x00 0x03 (count 3).
const std::vector<uint8_t> kFull = {
    0xB2, 0xEF, 0x12, 0x34,  // V P X CC | M PT | seq
    0xDE, 0xAD, 0xBE, 0xEF,  // timestamp
    0x11, 0x22, 0x33, 0x44,  // SSRC
    0xAA, 0xAA, 0xAA, 0xAA,  // CSRC 0
    0xBB, 0xBB, 0xBB, 0xBB,  // CSRC 1
    0xBE, 0xDE, 0x00, 0x02,  // one-byte profile, 2 words
    0x10, 0x2A, 0x00, 0x31,  // id1 len1 0x2A | pad | id3 len2
    0x01, 0x02, 0x00, 0x00,  // id3 data | pad pad
    0xCA, 0xFE, 0xBA,        // payload
    0x00, 0x00, 0x03,        // padding, count 3
};

TEST(RtpPacketTest, ParsesAllHeaderFields) {
  const auto p = RtpPacket::parse(kFull.data(), kFull.size());
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->hasPadding());
  EXPECT_TRUE(p->hasExtension());
  EXPECT_EQ(p->csrcCount(), 2);
  EXPECT_TRUE(p->marker());
  EXPECT_EQ(p->payloadType(), 111);
  EXPECT_EQ(p->sequenceNumber(), 0x1234);
  EXPECT_EQ(p->timestamp(), 0xDEADBEEFu);
  EXPECT_EQ(p->ssrc(), 0x11223344u);
  EXPECT_EQ(p->csrc(0), 0xAAAAAAAAu);
  EXPECT_EQ(p->csrc(1), 0xBBBBBBBBu);
  EXPECT_EQ(p->csrc(2), 0u);
  EXPECT_EQ(p->extensionProfile(), 0xBEDE);
  EXPECT_EQ(p->extensionData().size(), 8u);
  EXPECT_EQ(p->headerSize(), 32u);
  EXPECT_EQ(p->paddingSize(), 3u);
  ASSERT_EQ(p->payload().size(), 3u);
  EXPECT_EQ(p->payload()[0], 0xCA);
  EXPECT_EQ(p->payload()[2], 0xBA);
}

TEST(RtpPacketTest, OneByteExtensionLookup) {
  const auto p = RtpPacket::parse(kFull.data(), kFull.size());
  ASSERT_TRUE(p);
  const auto one = p->extension(1);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0], 0x2A);
  const auto three = p->extension(3);
  ASSERT_TRUE(three);
  ASSERT_EQ(three->size(), 2u);
  EXPECT_EQ((*three)[0], 0x01);
  EXPECT_EQ((*three)[1], 0x02);
  EXPECT_FALSE(p->extension(2));
  EXPECT_FALSE(p->extension(0));
  EXPECT_FALSE(p->extension(15));
}

TEST(RtpPacketTest, TwoByteExtensionLookup) {
  // X=1, profile 0x1000 (appbits 0), 2 words: id 5 len 0 | id 200 len 3 (1 2 3) | pad.
  const std::vector<uint8_t> bytes = {
      0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01,  //
      0x10, 0x00, 0x00, 0x02,                                                  //
      0x05, 0x00, 0xC8, 0x03,                                                  //
      0x01, 0x02, 0x03, 0x00,                                                  //
      0x99,                                                                    // payload
  };
  const auto p = RtpPacket::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(p);
  const auto five = p->extension(5);
  ASSERT_TRUE(five);
  EXPECT_TRUE(five->empty());
  const auto big = p->extension(200);
  ASSERT_TRUE(big);
  ASSERT_EQ(big->size(), 3u);
  EXPECT_EQ((*big)[2], 0x03);
  EXPECT_FALSE(p->extension(6));
  ASSERT_EQ(p->payload().size(), 1u);
  EXPECT_EQ(p->payload()[0], 0x99);
}

TEST(RtpPacketTest, ExtensionElementOverrunIsNotFound) {
  // One-byte element id 1 claims 16 bytes but the block has 3 left.
  const std::vector<uint8_t> bytes = {0x90, 0x60, 0,    1,    0, 0, 0,    0, 0, 0,
                                      0,    1,    0xBE, 0xDE, 0, 1, 0x1F, 0, 0, 0};
  const auto p = RtpPacket::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->extension(1));
  // Id 15 stops processing.
  const std::vector<uint8_t> stop = {0x90, 0x60, 0,    1,    0, 0, 0,    0, 0,    0,
                                     0,    1,    0xBE, 0xDE, 0, 1, 0xF0, 0, 0x10, 7};
  const auto q = RtpPacket::parse(stop.data(), stop.size());
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->extension(1));
}

TEST(RtpPacketTest, MinimalPacketAndEmptyPayload) {
  const std::vector<uint8_t> bytes = {0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const auto p = RtpPacket::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->payload().empty());
  EXPECT_EQ(p->extensionProfile(), 0);
  EXPECT_TRUE(p->extensionData().empty());
  EXPECT_FALSE(p->extension(1));
}

TEST(RtpPacketTest, RejectsBadVersionAndPadding) {
  auto bytes = kFull;
  bytes[0] = 0x72;  // V=1
  EXPECT_FALSE(RtpPacket::parse(bytes.data(), bytes.size()));
  bytes = kFull;
  bytes.back() = 0;  // padding count 0
  EXPECT_FALSE(RtpPacket::parse(bytes.data(), bytes.size()));
  bytes.back() = 7;  // more than the payload + padding (6)
  EXPECT_FALSE(RtpPacket::parse(bytes.data(), bytes.size()));
  bytes.back() = 6;  // exactly payload + padding: empty payload
  const auto p = RtpPacket::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->payload().empty());
  EXPECT_FALSE(RtpPacket::parse(static_cast<const uint8_t*>(nullptr), 0));
}

TEST(RtpPacketTest, RejectsEveryTruncation) {
  // kFull's padding count (last byte) makes any cut invalid once the header is whole,
  // except where the new last byte happens to be a valid count; check the header part.
  for (size_t n = 0; n < 32; ++n) {
    std::vector<uint8_t> copy(kFull.begin(), kFull.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(RtpPacket::parse(copy.data(), copy.size())) << n;
  }
  // And without padding every cut inside the header fails, every later one parses.
  auto noPad = kFull;
  noPad[0] = 0x92;
  for (size_t n = 0; n <= noPad.size(); ++n) {
    std::vector<uint8_t> copy(noPad.begin(), noPad.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(RtpPacket::parse(copy.data(), copy.size()).has_value(), n >= 32) << n;
  }
}

TEST(RtpPacketTest, SettersRewriteInPlace) {
  auto bytes = kFull;
  auto p = RtpPacket::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->setSsrc(0xCAFEBABE));
  EXPECT_TRUE(p->setSequenceNumber(0xFFFF));
  EXPECT_TRUE(p->setTimestamp(0x01020304));
  EXPECT_TRUE(p->setPayloadType(96));
  EXPECT_FALSE(p->setPayloadType(128));
  EXPECT_EQ(p->ssrc(), 0xCAFEBABEu);
  EXPECT_EQ(p->sequenceNumber(), 0xFFFF);
  EXPECT_EQ(p->timestamp(), 0x01020304u);
  EXPECT_EQ(p->payloadType(), 96);
  EXPECT_TRUE(p->marker());
  EXPECT_TRUE(p->setMarker(false));
  EXPECT_FALSE(p->marker());
  EXPECT_EQ(p->payloadType(), 96);
  EXPECT_EQ(bytes[1], 0x60);
  EXPECT_EQ(bytes[8], 0xCA);
  EXPECT_EQ(bytes[11], 0xBE);
  // Everything else is untouched and still parses the same.
  const auto again = RtpPacket::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->csrc(1), 0xBBBBBBBBu);
  EXPECT_EQ(again->payload().size(), 3u);
}

TEST(RtpPacketTest, MutableExtensionRewritesInPlace) {
  auto bytes = kFull;
  auto p = RtpPacket::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(p);
  auto three = p->mutableExtension(3);
  ASSERT_TRUE(three);
  ASSERT_EQ(three->size(), 2u);
  (*three)[0] = 0xAB;
  (*three)[1] = 0xCD;
  EXPECT_EQ(bytes[28], 0xAB);
  EXPECT_EQ(bytes[29], 0xCD);
  EXPECT_EQ((*p->extension(3))[1], 0xCD);
  EXPECT_EQ((*p->extension(1))[0], 0x2A);
  EXPECT_FALSE(p->mutableExtension(2));
  const auto& constBytes = kFull;
  auto ro = RtpPacket::parse(constBytes.data(), constBytes.size());
  ASSERT_TRUE(ro);
  EXPECT_FALSE(ro->mutableExtension(3));
}

TEST(RtpPacketTest, ReadOnlyViewRefusesSetters) {
  const auto& bytes = kFull;
  auto p = RtpPacket::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->setSsrc(1));
  EXPECT_FALSE(p->setSequenceNumber(1));
  EXPECT_FALSE(p->setTimestamp(1));
  EXPECT_FALSE(p->setPayloadType(1));
  EXPECT_FALSE(p->setMarker(false));
  EXPECT_EQ(p->ssrc(), 0x11223344u);
}

}  // namespace
}  // namespace parley::media::rtp
