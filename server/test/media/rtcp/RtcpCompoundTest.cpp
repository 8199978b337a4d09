#include "media/rtcp/RtcpCompound.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtcp {
namespace {

// RR (no blocks) + SDES (one CNAME "ab") + PLI.
const std::vector<uint8_t> kCompound = {
    0x80, 0xC9, 0x00, 0x01,  // RR, RC 0, length 1
    0x11, 0x11, 0x11, 0x11,  // reporter SSRC
    0x81, 0xCA, 0x00, 0x03,  // SDES, SC 1, length 3
    0x11, 0x11, 0x11, 0x11,  // chunk SSRC
    0x01, 0x02, 'a',  'b',   // CNAME "ab"
    0x00, 0x00, 0x00, 0x00,  // terminator + padding
    0x81, 0xCE, 0x00, 0x02,  // PSFB FMT 1 (PLI), length 2
    0x11, 0x11, 0x11, 0x11,  // sender
    0x22, 0x22, 0x22, 0x22,  // media
};

TEST(RtcpCompoundTest, IteratesAllPackets) {
  RtcpCompound c(kCompound.data(), kCompound.size());
  auto p = c.next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.packetType(), RtcpHeader::kReceiverReport);
  EXPECT_EQ(p->size, 8u);
  EXPECT_EQ(p->data, kCompound.data());
  p = c.next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.packetType(), RtcpHeader::kSdes);
  EXPECT_EQ(p->header.count(), 1);
  EXPECT_EQ(p->size, 16u);
  p = c.next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.packetType(), RtcpHeader::kPayloadFeedback);
  EXPECT_EQ(p->header.count(), 1);
  EXPECT_FALSE(c.next());
  EXPECT_FALSE(c.malformed());
  EXPECT_TRUE(RtcpCompound::isValid(kCompound.data(), kCompound.size()));
}

TEST(RtcpCompoundTest, TruncationIsMalformedUnlessOnABoundary) {
  for (size_t n = 0; n < kCompound.size(); ++n) {
    const bool boundary = n == 8 || n == 24;
    EXPECT_EQ(RtcpCompound::isValid(kCompound.data(), n), boundary) << n;
  }
}

TEST(RtcpCompoundTest, StopsAtBadVersion) {
  auto bytes = kCompound;
  bytes[8] = 0x41;  // V=1 on the second packet
  RtcpCompound c(bytes.data(), bytes.size());
  EXPECT_TRUE(c.next());
  EXPECT_FALSE(c.next());
  EXPECT_TRUE(c.malformed());
  EXPECT_FALSE(c.next());
}

TEST(RtcpHeaderTest, Padding) {
  // RR with P set: length 2 (12 bytes), last byte says 4 bytes of padding.
  const std::vector<uint8_t> rr = {0xA0, 0xC9, 0x00, 0x02, 1, 2, 3, 4, 0, 0, 0, 4};
  auto h = RtcpHeader::parse(rr.data(), rr.size());
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->padding());
  EXPECT_EQ(h->packetSize(), 12u);
  EXPECT_EQ(h->contentSize(), 8u);
  auto bad = rr;
  bad.back() = 0;
  EXPECT_FALSE(RtcpHeader::parse(bad.data(), bad.size()));
  bad.back() = 9;  // more than the 8 bytes after the header
  EXPECT_FALSE(RtcpHeader::parse(bad.data(), bad.size()));
  bad.back() = 8;
  h = RtcpHeader::parse(bad.data(), bad.size());
  ASSERT_TRUE(h);
  EXPECT_EQ(h->contentSize(), 4u);
}

TEST(RtcpHeaderTest, WriteRoundTrip) {
  uint8_t out[4];
  RtcpHeader::write(out, 31, RtcpHeader::kBye, 4);
  std::vector<uint8_t> bytes(out, out + 4);
  const auto h = RtcpHeader::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(h);
  EXPECT_EQ(h->count(), 31);
  EXPECT_EQ(h->packetType(), RtcpHeader::kBye);
  EXPECT_EQ(h->packetSize(), 4u);
  EXPECT_FALSE(RtcpHeader::parse(nullptr, 0));
}

}  // namespace
}  // namespace parley::media::rtcp
