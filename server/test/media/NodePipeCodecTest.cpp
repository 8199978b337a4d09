#include "media/NodePipeCodec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace parley::media {
namespace {

// An RTP packet: version 2, `csrcs` CSRCs, a one-byte header extension, `payload` bytes.
std::vector<uint8_t> rtpPacket(uint16_t seq, uint32_t ssrc, uint8_t csrcs = 0,
                               size_t payload = 1000) {
  std::vector<uint8_t> p{static_cast<uint8_t>(0x90 | csrcs),
                         0x80 | 96,
                         uint8_t(seq >> 8),
                         uint8_t(seq),
                         0,
                         0,
                         0x10,
                         0x00,
                         uint8_t(ssrc >> 24),
                         uint8_t(ssrc >> 16),
                         uint8_t(ssrc >> 8),
                         uint8_t(ssrc)};
  for (uint8_t i = 0; i < csrcs; ++i) p.insert(p.end(), {0, 0, 0, static_cast<uint8_t>(i + 1)});
  p.insert(p.end(), {0xBE, 0xDE, 0x00, 0x01, 0x10, 0x42, 0x00, 0x00});  // id 1, one byte
  for (size_t i = 0; i < payload; ++i) p.push_back(static_cast<uint8_t>(i * 7));
  return p;
}

class NodePipeCodecTest : public ::testing::Test {
 protected:
  NodePipeCodec::Key key_ = NodePipeCodec::newKey();
  std::unique_ptr<NodePipeCodec> sender_ =
      NodePipeCodec::create(NodePipeCodec::Direction::Send, 7, key_);
  std::unique_ptr<NodePipeCodec> receiver_ =
      NodePipeCodec::create(NodePipeCodec::Direction::Receive, 7, key_);

  std::vector<uint8_t> encode(const std::vector<uint8_t>& rtp, NodePipeCodec::Metadata meta) {
    std::vector<uint8_t> out(rtp.size() + NodePipeCodec::kOverhead);
    out.resize(sender_->encode(rtp, meta, out));
    return out;
  }
};

TEST_F(NodePipeCodecTest, APacketAndItsMetadataCrossUnchanged) {
  for (uint8_t csrcs : {0, 2}) {
    const auto rtp = rtpPacket(static_cast<uint16_t>(100 + csrcs), 0x11223344, csrcs);
    auto datagram = encode(rtp, {3, 2, true});
    ASSERT_FALSE(datagram.empty());
    EXPECT_EQ(datagram[0], NodePipeCodec::kMarker);
    uint32_t id = 0;
    ASSERT_TRUE(NodePipeCodec::peekPipeId(datagram, id));
    EXPECT_EQ(id, 7u);
    std::span<const uint8_t> out;
    NodePipeCodec::Metadata meta;
    ASSERT_TRUE(receiver_->decode(datagram, out, meta));
    EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.end()), rtp);
    EXPECT_EQ(meta.track, 3);
    EXPECT_EQ(meta.layer, 2);
    EXPECT_TRUE(meta.keyframe);
  }
}

TEST_F(NodePipeCodecTest, TheWireCarriesNoPayloadInClear) {
  const auto rtp = rtpPacket(1, 5, 0, 200);
  const auto datagram = encode(rtp, {});
  // The payload's bytes do not appear as they are (GCM encrypts them).
  const std::vector<uint8_t> tail(rtp.end() - 32, rtp.end());
  EXPECT_EQ(std::search(datagram.begin(), datagram.end(), tail.begin(), tail.end()),
            datagram.end());
}

TEST_F(NodePipeCodecTest, TamperedReplayedOrForeignDatagramsAreRefused) {
  const auto rtp = rtpPacket(500, 9);
  const auto good = encode(rtp, {1, 0, false});
  std::span<const uint8_t> out;
  NodePipeCodec::Metadata meta;
  // Every single bit flipped past the pipe header (metadata CSRC included) fails the tag.
  for (size_t i = NodePipeCodec::kHeaderSize; i < good.size(); i += 13) {
    auto bad = good;
    bad[i] ^= 0x04;
    EXPECT_FALSE(receiver_->decode(bad, out, meta)) << "byte " << i;
  }
  // Another pipe's id, another key, a reserved byte set, a truncated datagram.
  auto other = good;
  other[5] ^= 1;
  EXPECT_FALSE(receiver_->decode(other, out, meta));
  auto stranger =
      NodePipeCodec::create(NodePipeCodec::Direction::Receive, 7, NodePipeCodec::newKey());
  auto copy = good;
  EXPECT_FALSE(stranger->decode(copy, out, meta));
  auto reserved = good;
  reserved[7] = 1;
  EXPECT_FALSE(receiver_->decode(reserved, out, meta));
  auto cut = good;
  cut.resize(20);
  EXPECT_FALSE(receiver_->decode(cut, out, meta));
  // The genuine one passes once; the same datagram again is a replay.
  copy = good;
  EXPECT_TRUE(receiver_->decode(copy, out, meta));
  copy = good;
  EXPECT_FALSE(receiver_->decode(copy, out, meta));
}

TEST_F(NodePipeCodecTest, KeyframeRequestsGoBackAuthenticated) {
  std::vector<uint8_t> out(200);
  out.resize(sender_->encodeKeyframeRequest(2, out));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[6], 1) << "marked as feedback";
  // Not media: the media decoder refuses it.
  std::span<const uint8_t> rtp;
  NodePipeCodec::Metadata meta;
  auto asMedia = out;
  EXPECT_FALSE(receiver_->decode(asMedia, rtp, meta));
  auto tampered = out;
  tampered[tampered.size() - 20] ^= 1;
  uint8_t layer = 0;
  EXPECT_FALSE(receiver_->decodeKeyframeRequest(tampered, layer));
  auto good = out;
  ASSERT_TRUE(receiver_->decodeKeyframeRequest(good, layer));
  EXPECT_EQ(layer, 2);
  good = out;
  EXPECT_FALSE(receiver_->decodeKeyframeRequest(good, layer)) << "a replay";
  // Media is not a keyframe request either.
  auto media = encode(rtpPacket(9, 9), {});
  EXPECT_FALSE(receiver_->decodeKeyframeRequest(media, layer));
}

TEST_F(NodePipeCodecTest, WhatIsNotAnRtpPacketIsNotSent) {
  std::vector<uint8_t> out(2000);
  EXPECT_EQ(sender_->encode(std::vector<uint8_t>(8, 0x80), {}, out), 0u);  // too short
  auto v1 = rtpPacket(1, 1);
  v1[0] = 0x40 | (v1[0] & 0x3F);  // version 1
  EXPECT_EQ(sender_->encode(v1, {}, out), 0u);
  EXPECT_EQ(sender_->encode(rtpPacket(1, 1, 15, 10), {}, out), 0u);  // no room for a CSRC
  std::vector<uint8_t> small(100);
  EXPECT_EQ(sender_->encode(rtpPacket(1, 1), {}, small), 0u);
  // A receiving codec does not send, a sending one does not open.
  auto datagram = encode(rtpPacket(2, 1), {});
  std::span<const uint8_t> rtp;
  NodePipeCodec::Metadata meta;
  EXPECT_FALSE(sender_->decode(datagram, rtp, meta));
  EXPECT_EQ(receiver_->encode(rtpPacket(3, 1), {}, out), 0u);
}

TEST_F(NodePipeCodecTest, APipeNumbersItsOwnPacketsSoASequenceNumberUsedTwiceStillCrosses) {
  // A publisher may send one sequence number twice with different payloads: the pipe's own
  // numbering keeps their GCM nonces apart, and both open to what was sent.
  auto first = rtpPacket(300, 0xAABBCCDD, 0, 40);
  auto second = first;
  second.back() ^= 0xFF;
  const auto a = encode(first, {0, 1, false});
  const auto b = encode(second, {0, 1, false});
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  // On the wire: the pipe's SSRC (its id) and consecutive sequence numbers of its own.
  const uint8_t* ha = a.data() + NodePipeCodec::kHeaderSize;
  const uint8_t* hb = b.data() + NodePipeCodec::kHeaderSize;
  EXPECT_EQ((uint32_t{ha[8]} << 24) | (ha[9] << 16) | (ha[10] << 8) | ha[11], 7u);
  EXPECT_EQ(((hb[2] << 8) | hb[3]) - ((ha[2] << 8) | ha[3]), 1);
  for (const auto* pair : {&a, &b}) {
    auto copy = *pair;
    std::span<const uint8_t> out;
    NodePipeCodec::Metadata meta;
    ASSERT_TRUE(receiver_->decode(copy, out, meta));
    EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.end()), pair == &a ? first : second);
  }
  // A layer above the limit is not sent.
  std::vector<uint8_t> big(2000);
  EXPECT_EQ(sender_->encode(first, {0, NodePipeCodec::kMaxLayer + 1, false}, big), 0u);
}

TEST_F(NodePipeCodecTest, RetransmissionRequestsGoBackAuthenticated) {
  const std::vector<uint16_t> lost{65530, 65533, 2, 3, 40};
  std::vector<uint8_t> out(400);
  out.resize(sender_->encodeNack(3, 2, lost, out));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(NodePipeCodec::peekFeedbackKind(out), 2);
  uint8_t track = 0, layer = 0;
  uint16_t got[NodePipeCodec::kMaxNacked];
  auto tampered = out;
  tampered[tampered.size() - 20] ^= 1;
  EXPECT_EQ(receiver_->decodeNack(tampered, track, layer, got), 0u);
  auto good = out;
  ASSERT_EQ(receiver_->decodeNack(good, track, layer, got), lost.size());
  EXPECT_EQ(std::vector<uint16_t>(got, got + lost.size()), lost);
  EXPECT_EQ(track, 3);
  EXPECT_EQ(layer, 2);
  good = out;
  EXPECT_EQ(receiver_->decodeNack(good, track, layer, got), 0u) << "a replay";
  // Not a keyframe request, and nothing for an empty or oversized list.
  good = out;
  EXPECT_FALSE(receiver_->decodeKeyframeRequest(good, layer));
  std::vector<uint8_t> room(1000);
  EXPECT_EQ(sender_->encodeNack(0, 0, {}, room), 0u);
  const std::vector<uint16_t> many(NodePipeCodec::kMaxNacked + 1, 1);
  EXPECT_EQ(sender_->encodeNack(0, 0, many, room), 0u);
}

}  // namespace
TEST_F(NodePipeCodecTest, KeepalivesCrossAuthenticatedAndOnce) {
  std::vector<uint8_t> out(200);
  out.resize(sender_->encodeKeepalive(out));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[6], NodePipeCodec::kKeepaliveKind);
  EXPECT_TRUE(NodePipeCodec::isKeepalive(out));
  // Neither media nor feedback.
  std::span<const uint8_t> rtp;
  NodePipeCodec::Metadata meta;
  auto asMedia = out;
  EXPECT_FALSE(receiver_->decode(asMedia, rtp, meta));
  uint8_t layer = 0;
  auto asFeedback = out;
  EXPECT_FALSE(receiver_->decodeKeyframeRequest(asFeedback, layer));
  EXPECT_EQ(NodePipeCodec::peekFeedbackKind(out), 0);

  auto tampered = out;
  tampered[tampered.size() - 20] ^= 1;
  EXPECT_FALSE(receiver_->decodeKeepalive(tampered));
  auto good = out;
  EXPECT_TRUE(receiver_->decodeKeepalive(good));
  good = out;
  EXPECT_FALSE(receiver_->decodeKeepalive(good)) << "a replay";
  // A second keepalive is fresh.
  std::vector<uint8_t> next(200);
  next.resize(sender_->encodeKeepalive(next));
  EXPECT_TRUE(receiver_->decodeKeepalive(next));

  // Media is not a keepalive; a receiving codec sends none; too little room gives none.
  auto media = encode(rtpPacket(9, 9), {});
  EXPECT_FALSE(NodePipeCodec::isKeepalive(media));
  EXPECT_FALSE(receiver_->decodeKeepalive(media));
  std::vector<uint8_t> room(200);
  EXPECT_EQ(receiver_->encodeKeepalive(room), 0u);
  std::vector<uint8_t> small(20);
  EXPECT_EQ(sender_->encodeKeepalive(small), 0u);
  // A keepalive naming this pipe under another key is refused, and so is another pipe's.
  auto other = NodePipeCodec::create(NodePipeCodec::Direction::Send, 7, NodePipeCodec::newKey());
  std::vector<uint8_t> foreign(200);
  foreign.resize(other->encodeKeepalive(foreign));
  EXPECT_FALSE(receiver_->decodeKeepalive(foreign));
  auto stranger = NodePipeCodec::create(NodePipeCodec::Direction::Send, 8, key_);
  std::vector<uint8_t> elsewhere(200);
  elsewhere.resize(stranger->encodeKeepalive(elsewhere));
  EXPECT_FALSE(receiver_->decodeKeepalive(elsewhere));
}

TEST_F(NodePipeCodecTest, SenderReportsCrossAuthenticatedWithTheirTrackAndLayer) {
  const NodePipeCodec::SenderReport sent{1, 2, 0x0123456789ABCDEFull, 0xFEDCBA98u};
  std::vector<uint8_t> out(200);
  out.resize(sender_->encodeSenderReport(sent, out));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[6], NodePipeCodec::kSenderReportKind);
  EXPECT_TRUE(NodePipeCodec::isSenderReport(out));
  EXPECT_FALSE(NodePipeCodec::isKeepalive(out));
  auto asKeepalive = out;
  EXPECT_FALSE(receiver_->decodeKeepalive(asKeepalive));
  std::span<const uint8_t> rtp;
  NodePipeCodec::Metadata meta;
  auto asMedia = out;
  EXPECT_FALSE(receiver_->decode(asMedia, rtp, meta));

  NodePipeCodec::SenderReport got;
  auto tampered = out;
  tampered[NodePipeCodec::kHeaderSize + 12] ^= 1;  // the NTP time, encrypted
  EXPECT_FALSE(receiver_->decodeSenderReport(tampered, got));
  auto good = out;
  ASSERT_TRUE(receiver_->decodeSenderReport(good, got));
  EXPECT_EQ(got.track, 1);
  EXPECT_EQ(got.layer, 2);
  EXPECT_EQ(got.ntpTimestamp, sent.ntpTimestamp);
  EXPECT_EQ(got.rtpTimestamp, sent.rtpTimestamp);
  good = out;
  EXPECT_FALSE(receiver_->decodeSenderReport(good, got)) << "a replay";

  // A layer the pipe cannot carry gives nothing; nor does a receiving codec, or too little
  // room; another key's report is refused.
  std::vector<uint8_t> room(200);
  EXPECT_EQ(sender_->encodeSenderReport({0, NodePipeCodec::kMaxLayer + 1, 1, 1}, room), 0u);
  EXPECT_EQ(receiver_->encodeSenderReport(sent, room), 0u);
  std::vector<uint8_t> small(40);
  EXPECT_EQ(sender_->encodeSenderReport(sent, small), 0u);
  auto other = NodePipeCodec::create(NodePipeCodec::Direction::Send, 7, NodePipeCodec::newKey());
  std::vector<uint8_t> foreign(200);
  foreign.resize(other->encodeSenderReport(sent, foreign));
  EXPECT_FALSE(receiver_->decodeSenderReport(foreign, got));
}

}  // namespace parley::media
