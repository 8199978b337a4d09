#include "media/Demux.h"

#include <gtest/gtest.h>

namespace parley::media {
namespace {

PacketKind kindOf(uint8_t first, uint8_t second) {
  const uint8_t d[2] = {first, second};
  return Demux::classify(d, 2);
}

TEST(DemuxTest, ClassifiesByFirstByteRanges) {
  for (int b = 0; b < 256; ++b) {
    const auto k = kindOf(static_cast<uint8_t>(b), 96);
    if (b <= 3)
      EXPECT_EQ(k, PacketKind::Stun) << b;
    else if (b >= 20 && b <= 63)
      EXPECT_EQ(k, PacketKind::Dtls) << b;
    else if (b >= 128 && b <= 191)
      EXPECT_EQ(k, PacketKind::Rtp) << b;
    else if (b == 0x50)
      EXPECT_EQ(k, PacketKind::NodePipe) << b;  // another node's pipe (NodePipeCodec)
    else
      EXPECT_EQ(k, PacketKind::Unknown) << b;
  }
}

TEST(DemuxTest, RtcpByPayloadTypeInSecondByte) {
  EXPECT_EQ(kindOf(0x80, 191), PacketKind::Rtp);
  EXPECT_EQ(kindOf(0x80, 192), PacketKind::Rtcp);
  EXPECT_EQ(kindOf(0x81, 200), PacketKind::Rtcp);  // SR
  EXPECT_EQ(kindOf(0x8F, 206), PacketKind::Rtcp);  // PSFB
  EXPECT_EQ(kindOf(0x80, 223), PacketKind::Rtcp);
  EXPECT_EQ(kindOf(0x80, 224), PacketKind::Rtp);  // marker set, PT 96
  EXPECT_EQ(kindOf(0x80, 0x60), PacketKind::Rtp);
}

TEST(DemuxTest, EmptyAndShortInputs) {
  EXPECT_EQ(Demux::classify(nullptr, 0), PacketKind::Unknown);
  const uint8_t one[1] = {0x80};
  EXPECT_EQ(Demux::classify(one, 0), PacketKind::Unknown);
  EXPECT_EQ(Demux::classify(one, 1), PacketKind::Unknown);
  const uint8_t stun[1] = {0x00};
  EXPECT_EQ(Demux::classify(stun, 1), PacketKind::Stun);
}

}  // namespace
}  // namespace parley::media
