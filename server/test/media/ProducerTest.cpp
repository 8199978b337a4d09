#include "media/Producer.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "media/ByteOrder.h"
#include "media/TrackDescription.h"
#include "media/rtp/RtpPacket.h"

namespace parley::media {
namespace {

constexpr uint8_t kVp8 = 96;
constexpr uint8_t kVp8Rtx = 97;
constexpr uint8_t kVp9 = 98;
constexpr uint8_t kH264 = 102;
constexpr uint8_t kAv1 = 45;
constexpr uint8_t kOpus = 111;
constexpr uint32_t kMediaSsrc = 0x11111111;
constexpr uint32_t kRtxSsrc = 0x22222222;
constexpr uint8_t kRidExtId = 10;
constexpr uint8_t kRepairedRidExtId = 11;

// One RTP packet described field by field; build() lays it out as on the wire.
struct Rtp {
  uint8_t pt = kVp8;
  uint16_t seq = 1000;
  uint32_t ts = 90000;
  uint32_t ssrc = kMediaSsrc;
  bool marker = false;
  std::vector<uint8_t> payload = {0x00, 0x01, 0x02};
  std::vector<std::pair<uint8_t, std::string>> extensions;  // one-byte form (0xBEDE)
  uint8_t padding = 0;

  std::vector<uint8_t> build() const {
    std::vector<uint8_t> p(12, 0);
    p[0] = 0x80;
    if (padding) p[0] |= 0x20;
    if (!extensions.empty()) p[0] |= 0x10;
    p[1] = static_cast<uint8_t>((marker ? 0x80 : 0) | pt);
    ByteOrder::write16(p.data() + 2, seq);
    ByteOrder::write32(p.data() + 4, ts);
    ByteOrder::write32(p.data() + 8, ssrc);
    if (!extensions.empty()) {
      std::vector<uint8_t> block;
      for (const auto& [id, value] : extensions) {
        block.push_back(static_cast<uint8_t>(id << 4 | (value.size() - 1)));
        block.insert(block.end(), value.begin(), value.end());
      }
      while (block.size() % 4) block.push_back(0);
      const size_t at = p.size();
      p.resize(at + 4);
      ByteOrder::write16(p.data() + at, rtp::RtpPacket::kOneByteProfile);
      ByteOrder::write16(p.data() + at + 2, static_cast<uint16_t>(block.size() / 4));
      p.insert(p.end(), block.begin(), block.end());
    }
    p.insert(p.end(), payload.begin(), payload.end());
    if (padding) {
      p.insert(p.end(), padding - 1, 0);
      p.push_back(padding);
    }
    return p;
  }
};

// A received datagram: owns the bytes the writable RtpPacket view points into.
struct Datagram {
  explicit Datagram(const Rtp& r) : bytes(r.build()) {
    auto p = rtp::RtpPacket::parse(bytes.data(), bytes.size());
    EXPECT_TRUE(p);
    if (p) packet.emplace(*p);
  }
  std::vector<uint8_t> bytes;
  std::optional<rtp::RtpPacket> packet;
};

sdp::Codec codec(uint8_t pt, const char* name, uint32_t clock, uint32_t channels = 1) {
  sdp::Codec c;
  c.payloadType = pt;
  c.name = name;
  c.clockRate = clock;
  c.channels = channels;
  return c;
}

TrackDescription videoTrack() {
  TrackDescription t;
  t.kind = sdp::MediaKind::Video;
  t.mid = "1";
  t.codecs = {codec(kVp8, "VP8", 90000), codec(kVp9, "VP9", 90000), codec(kH264, "H264", 90000),
              codec(kAv1, "AV1", 90000)};
  t.codecs[2].params = {{"packetization-mode", "1"}};
  t.rtxPayloads = {{kVp8Rtx, kVp8}};
  t.layers = {{kMediaSsrc, kRtxSsrc, ""}};
  t.nack = true;
  return t;
}

TrackDescription ridTrack() {
  TrackDescription t = videoTrack();
  t.layers = {{0, 0, "q"}, {0, 0, "h"}, {0, 0, "f"}};
  t.ext.rid = kRidExtId;
  t.ext.repairedRid = kRepairedRidExtId;
  return t;
}

TrackDescription audioTrack() {
  TrackDescription t;
  t.kind = sdp::MediaKind::Audio;
  t.mid = "0";
  t.codecs = {codec(kOpus, "opus", 48000, 2)};
  t.layers = {{0x33333333, 0, ""}};
  return t;
}

std::optional<Producer::Received> receive(Producer& p, Datagram& d, int64_t nowUs = 1000000) {
  if (!d.packet) return std::nullopt;
  return p.receive(*d.packet, d.bytes.data(), nowUs);
}

// VP8 payloads: descriptor byte (S bit, PID 0) then the first VP8 header byte, whose low bit
// is P (inverse keyframe flag).
const std::vector<uint8_t> kVp8Key = {0x10, 0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a};
const std::vector<uint8_t> kVp8Delta = {0x10, 0x51, 0x22, 0x00};
const std::vector<uint8_t> kVp8Continuation = {0x00, 0x50, 0x22, 0x00};

TEST(ProducerTest, MediaPacketIsForwardedOnLayerZero) {
  Producer producer(videoTrack());
  ASSERT_EQ(producer.layerCount(), 1u);
  EXPECT_TRUE(producer.ownsSsrc(kMediaSsrc));
  EXPECT_TRUE(producer.ownsSsrc(kRtxSsrc));
  EXPECT_FALSE(producer.ownsSsrc(0x12345678));
  EXPECT_FALSE(producer.layerLive(0, 1000000));
  Rtp r;
  r.payload = kVp8Delta;
  Datagram d(r);
  const auto got = receive(producer, d, 2000000);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->layer, 0u);
  EXPECT_FALSE(got->keyframe);
  EXPECT_EQ(producer.layer(0).stats->packets(), 1u);
  EXPECT_EQ(producer.layer(0).lastPacketUs, 2000000);
  EXPECT_TRUE(producer.layerLive(0, 2500000));
  EXPECT_FALSE(producer.layerLive(0, 3000001));
  // Kept for the subscribers' NACKs.
  const auto stored = producer.layer(0).buffer->find(1000, 2000);
  ASSERT_TRUE(stored);
  EXPECT_EQ(std::vector<uint8_t>(stored->packet.begin(), stored->packet.end()), d.bytes);
}

TEST(ProducerTest, RtxPacketIsRestoredToTheOriginal) {
  Producer producer(videoTrack());
  const std::vector<uint8_t> media = {0x10, 0x51, 0xAA, 0xBB, 0xCC};
  Rtp rtx;
  rtx.pt = kVp8Rtx;
  rtx.ssrc = kRtxSsrc;
  rtx.seq = 7;  // the RTX stream's own sequence
  rtx.ts = 123456;
  rtx.marker = true;
  rtx.payload = {0x04, 0xD2};  // OSN 1234
  rtx.payload.insert(rtx.payload.end(), media.begin(), media.end());
  Datagram d(rtx);
  const size_t rtxSize = d.bytes.size();
  const auto got = receive(producer, d);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->layer, 0u);
  const rtp::RtpPacket& p = *d.packet;
  EXPECT_EQ(p.sequenceNumber(), 1234);
  EXPECT_EQ(p.ssrc(), kMediaSsrc);
  EXPECT_EQ(p.payloadType(), kVp8);
  EXPECT_EQ(p.timestamp(), 123456u);
  EXPECT_TRUE(p.marker());
  EXPECT_EQ(p.size(), rtxSize - 2);
  EXPECT_EQ(p.data(), d.bytes.data());  // rewritten in place
  EXPECT_EQ(std::vector<uint8_t>(p.payload().begin(), p.payload().end()), media);
  EXPECT_EQ(producer.layer(0).retransmissionsReceived, 1u);
  // The restored packet is what gets stored, under its original sequence number.
  const auto stored = producer.layer(0).buffer->find(1234, 1000);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->packet.size(), rtxSize - 2);
}

TEST(ProducerTest, RtxOfAPacketAlreadyReceivedIsADuplicate) {
  Producer producer(videoTrack());
  Rtp original;
  original.seq = 1234;
  original.payload = kVp8Delta;
  Datagram first(original);
  ASSERT_TRUE(receive(producer, first));
  Rtp rtx;
  rtx.pt = kVp8Rtx;
  rtx.ssrc = kRtxSsrc;
  rtx.payload = {0x04, 0xD2};
  rtx.payload.insert(rtx.payload.end(), kVp8Delta.begin(), kVp8Delta.end());
  Datagram d(rtx);
  EXPECT_FALSE(receive(producer, d));
  EXPECT_EQ(producer.duplicates(), 1u);
  EXPECT_EQ(producer.layer(0).retransmissionsReceived, 1u);
}

TEST(ProducerTest, PaddingOnlyRtxIsNotForwarded) {
  Producer producer(videoTrack());
  Rtp probe;
  probe.pt = kVp8Rtx;
  probe.ssrc = kRtxSsrc;
  probe.payload.clear();
  probe.padding = 200;  // a bandwidth probe
  Datagram d(probe);
  EXPECT_FALSE(receive(producer, d));
  EXPECT_EQ(producer.layer(0).retransmissionsReceived, 0u);
  EXPECT_EQ(producer.layer(0).stats->packets(), 0u);
}

// Without RTX, probes come on the media SSRC with media sequence numbers: forwarded like
// media so subscribers see no gap (dropping them would leave holes nobody can fill).
TEST(ProducerTest, PaddingOnlyMediaPacketIsForwarded) {
  Producer producer(videoTrack());
  Rtp probe;
  probe.payload.clear();
  probe.padding = 32;
  Datagram d(probe);
  auto r = receive(producer, d);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->keyframe);
}

TEST(ProducerTest, RtxWithUnnegotiatedPayloadTypeIsDropped) {
  Producer producer(videoTrack());
  Rtp rtx;
  rtx.pt = 99;  // no apt known for it
  rtx.ssrc = kRtxSsrc;
  rtx.payload = {0x04, 0xD2, 0x10, 0x51};
  Datagram d(rtx);
  EXPECT_FALSE(receive(producer, d));
  EXPECT_EQ(producer.layer(0).retransmissionsReceived, 0u);
}

TEST(ProducerTest, DuplicateIsDroppedAndCounted) {
  Producer producer(videoTrack());
  Rtp r;
  r.payload = kVp8Delta;
  Datagram a(r);
  Datagram b(r);
  ASSERT_TRUE(receive(producer, a));
  EXPECT_FALSE(receive(producer, b));
  EXPECT_EQ(producer.duplicates(), 1u);
  EXPECT_EQ(producer.layer(0).stats->packets(), 1u);
  r.seq = 1001;
  Datagram c(r);
  EXPECT_TRUE(receive(producer, c));
  EXPECT_EQ(producer.duplicates(), 1u);
}

TEST(ProducerTest, Vp8KeyframeIsDetectedFromThePayloadHeader) {
  Producer producer(videoTrack());
  Rtp r;
  r.payload = kVp8Key;
  Datagram key(r);
  const auto k = receive(producer, key, 5000000);
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->keyframe);
  EXPECT_EQ(producer.layer(0).keyframes, 1u);
  EXPECT_EQ(producer.layer(0).lastKeyframeUs, 5000000);

  r.seq = 1001;
  r.payload = kVp8Delta;  // P = 1
  Datagram delta(r);
  const auto dl = receive(producer, delta);
  ASSERT_TRUE(dl);
  EXPECT_FALSE(dl->keyframe);

  r.seq = 1002;
  r.payload = kVp8Continuation;  // P = 0 but not the start of the frame
  Datagram cont(r);
  const auto c = receive(producer, cont);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->keyframe);
  EXPECT_EQ(producer.layer(0).keyframes, 1u);
}

TEST(ProducerTest, Vp8KeyframeWithExtendedDescriptor) {
  Producer producer(videoTrack());
  Rtp r;
  // X=1, S=1 | I=1 | 15-bit PictureID | then the VP8 header with P=0.
  r.payload = {0x90, 0x80, 0x81, 0x23, 0x50, 0x00};
  Datagram key(r);
  const auto k = receive(producer, key);
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->keyframe);
}

TEST(ProducerTest, H264IdrIsAKeyframe) {
  Producer producer(videoTrack());
  EXPECT_EQ(producer.sendingCodec(), "VP8");  // the first negotiated, before any packet
  Rtp r;
  r.pt = kH264;
  r.payload = {0x65, 0x88, 0x84};  // single NAL, type 5
  Datagram idr(r);
  const auto a = receive(producer, idr);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->keyframe);

  r.seq = 1001;
  r.payload = {0x41, 0x9a, 0x02};  // single NAL, type 1
  Datagram slice(r);
  const auto b = receive(producer, slice);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->keyframe);

  r.seq = 1002;
  // STAP-A: SPS (2 bytes), PPS (2 bytes), IDR (3 bytes).
  r.payload = {0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce, 0x00, 0x03, 0x65, 0x88, 0x84};
  Datagram stap(r);
  const auto c = receive(producer, stap);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->keyframe);

  r.seq = 1003;
  r.payload = {0x78, 0x00, 0x02, 0x41, 0x9a, 0x00, 0x02, 0x41, 0x9b};  // STAP-A of two slices
  Datagram stapDelta(r);
  const auto d = receive(producer, stapDelta);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->keyframe);

  r.seq = 1004;
  r.payload = {0x7c, 0x85, 0x88, 0x84};  // FU-A, S=1, fragment of an IDR
  Datagram fuStart(r);
  const auto e = receive(producer, fuStart);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->keyframe);

  r.seq = 1005;
  r.payload = {0x7c, 0x05, 0x11, 0x22};  // FU-A, middle fragment of the same IDR
  Datagram fuMiddle(r);
  const auto f = receive(producer, fuMiddle);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->keyframe);
  EXPECT_EQ(producer.layer(0).keyframes, 3u);
  // The codec the publisher sends is the one of its packets, not the answer's first.
  EXPECT_EQ(producer.sendingCodec(), "H264");
}

TEST(ProducerTest, Vp9AndAv1Keyframes) {
  Producer producer(videoTrack());
  uint16_t seq = 1000;
  // nullopt when the packet was not forwarded at all.
  auto keyframe = [&](uint8_t pt, std::vector<uint8_t> payload) -> std::optional<bool> {
    Rtp r;
    r.pt = pt;
    r.seq = seq++;
    r.payload = std::move(payload);
    Datagram d(r);
    const auto got = receive(producer, d);
    if (!got) return std::nullopt;
    return got->keyframe;
  };
  EXPECT_EQ(keyframe(kVp9, {0x08, 0x00}), true);   // B=1, P=0
  EXPECT_EQ(keyframe(kVp9, {0x48, 0x00}), false);  // B=1, P=1
  EXPECT_EQ(keyframe(kVp9, {0x00, 0x00}), false);  // not the beginning of a frame
  EXPECT_EQ(keyframe(kAv1, {0x18, 0x0a}), true);   // aggregation header with N=1
  EXPECT_EQ(keyframe(kAv1, {0x10, 0x32}), false);  // N=0
  EXPECT_EQ(producer.layer(0).keyframes, 2u);
}

TEST(ProducerTest, AudioIsNeverAKeyframe) {
  Producer producer(audioTrack());
  EXPECT_FALSE(producer.isVideo());
  Rtp r;
  r.pt = kOpus;
  r.ssrc = 0x33333333;
  r.payload = {0x10, 0x50, 0x08};  // would be a VP8 keyframe
  Datagram d(r);
  const auto got = receive(producer, d);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->keyframe);
  EXPECT_EQ(producer.codecOf(kOpus), Producer::CodecKind::Opus);
  EXPECT_EQ(producer.codecOf(kVp8), Producer::CodecKind::Other);
}

TEST(ProducerTest, PausedProducerCountsButDoesNotForward) {
  Producer producer(videoTrack());
  producer.setPaused(true);
  EXPECT_TRUE(producer.paused());
  Rtp r;
  r.payload = kVp8Key;
  Datagram d(r);
  EXPECT_FALSE(receive(producer, d, 3000000));
  EXPECT_EQ(producer.layer(0).stats->packets(), 1u);
  EXPECT_EQ(producer.layer(0).keyframes, 1u);
  EXPECT_EQ(producer.layer(0).lastPacketUs, 3000000);
  EXPECT_TRUE(producer.layer(0).buffer->find(1000, 3000));

  producer.setPaused(false);
  r.seq = 1001;
  r.payload = kVp8Delta;
  Datagram next(r);
  EXPECT_TRUE(receive(producer, next));
}

TEST(ProducerTest, UnknownSsrcIsDropped) {
  Producer producer(videoTrack());
  Rtp r;
  r.ssrc = 0x0BADF00D;
  Datagram d(r);
  EXPECT_FALSE(receive(producer, d));
  EXPECT_EQ(producer.layer(0).stats->packets(), 0u);
  EXPECT_FALSE(producer.ownsSsrc(0x0BADF00D));
}

TEST(ProducerTest, RidExtensionBindsAnUnknownSsrcToItsLayer) {
  Producer producer(ridTrack());
  ASSERT_EQ(producer.layerCount(), 3u);
  Rtp r;
  r.ssrc = 0x7777;
  r.payload = kVp8Key;
  r.extensions = {{kRidExtId, "h"}};
  Datagram d(r);
  const auto got = receive(producer, d);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->layer, 1u);
  EXPECT_TRUE(got->keyframe);
  EXPECT_EQ(producer.layer(1).ssrc, 0x7777u);
  EXPECT_EQ(producer.layer(0).ssrc, 0u);
  EXPECT_EQ(producer.layer(2).ssrc, 0u);
  EXPECT_TRUE(producer.ownsSsrc(0x7777));

  // Later packets of that SSRC need no rid.
  Rtp later;
  later.ssrc = 0x7777;
  later.seq = 1001;
  later.payload = kVp8Delta;
  Datagram d2(later);
  const auto got2 = receive(producer, d2);
  ASSERT_TRUE(got2);
  EXPECT_EQ(got2->layer, 1u);

  // The layer is taken: another SSRC naming it is not bound.
  Rtp intruder = r;
  intruder.ssrc = 0x8888;
  Datagram d3(intruder);
  EXPECT_FALSE(receive(producer, d3));
  EXPECT_EQ(producer.layer(1).ssrc, 0x7777u);
}

TEST(ProducerTest, UnknownRidOrNoRidDoesNotBind) {
  Producer producer(ridTrack());
  Rtp r;
  r.ssrc = 0x7777;
  r.extensions = {{kRidExtId, "x"}};
  Datagram unknownRid(r);
  EXPECT_FALSE(receive(producer, unknownRid));
  r.extensions = {{5, "h"}};  // some other extension id
  Datagram otherExt(r);
  EXPECT_FALSE(receive(producer, otherExt));
  for (size_t i = 0; i < producer.layerCount(); ++i) EXPECT_EQ(producer.layer(i).ssrc, 0u);
}

TEST(ProducerTest, RidIsIgnoredWhenNotNegotiated) {
  TrackDescription t = ridTrack();
  t.ext.rid = 0;
  t.ext.repairedRid = 0;
  Producer producer(t);
  Rtp r;
  r.ssrc = 0x7777;
  r.extensions = {{kRidExtId, "h"}};
  Datagram d(r);
  EXPECT_FALSE(receive(producer, d));
}

TEST(ProducerTest, RepairedRidBindsTheRtxSsrc) {
  Producer producer(ridTrack());
  Rtp media;
  media.ssrc = 0x7777;
  media.payload = kVp8Delta;
  media.extensions = {{kRidExtId, "f"}};
  Datagram m(media);
  ASSERT_TRUE(receive(producer, m));

  Rtp rtx;
  rtx.pt = kVp8Rtx;
  rtx.ssrc = 0x9999;
  rtx.seq = 50;
  rtx.extensions = {{kRepairedRidExtId, "f"}};
  rtx.payload = {0x03, 0xE7};  // OSN 999
  rtx.payload.insert(rtx.payload.end(), kVp8Delta.begin(), kVp8Delta.end());
  Datagram d(rtx);
  const auto got = receive(producer, d);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->layer, 2u);
  EXPECT_EQ(producer.layer(2).rtxSsrc, 0x9999u);
  EXPECT_EQ(d.packet->ssrc(), 0x7777u);
  EXPECT_EQ(d.packet->sequenceNumber(), 999);
  EXPECT_EQ(d.packet->payloadType(), kVp8);
  EXPECT_EQ(producer.layer(2).retransmissionsReceived, 1u);
}

// Without RTX, libwebrtc sends bandwidth-probe padding on the media SSRC using media
// sequence numbers: it must count as received, or it would be NACKed (the browser cannot
// resend padding) and reported as loss.
TEST(ProducerTest, PaddingOnTheMediaSsrcIsNotALoss) {
  Producer producer(videoTrack());
  Rtp r;
  r.seq = 100;
  r.payload = kVp8Delta;
  Datagram first(r);
  ASSERT_TRUE(receive(producer, first, 1000000));
  Rtp pad;
  pad.seq = 101;
  pad.payload.clear();
  pad.padding = 224;
  Datagram probe(pad);
  EXPECT_TRUE(receive(producer, probe, 1001000));
  r.seq = 102;
  Datagram next(r);
  ASSERT_TRUE(receive(producer, next, 1002000));
  EXPECT_EQ(producer.layer(0).nack->missingCount(), 0u);
  EXPECT_EQ(producer.layer(0).stats->lost(), 0);
}

// Receiver reports name the layer by its statistics' SSRC (Publication::sendReports), so a
// layer bound from its rid must report under the SSRC it was bound to.
// Regression: Producer::findLayer binds layer.ssrc but leaves the ReceiveStatistics created
// with SSRC 0, so the report block for a RID layer carries SSRC 0.
TEST(ProducerTest, RidBoundLayerReportsUnderItsSsrc) {
  Producer producer(ridTrack());
  Rtp r;
  r.ssrc = 0x7777;
  r.payload = kVp8Delta;
  r.extensions = {{kRidExtId, "q"}};
  Datagram d(r);
  ASSERT_TRUE(receive(producer, d));
  EXPECT_EQ(producer.layer(0).stats->ssrc(), 0x7777u);
  EXPECT_EQ(producer.layer(0).stats->reportBlock(2000000).ssrc, 0x7777u);
}

}  // namespace
}  // namespace parley::media
