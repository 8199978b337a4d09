#include "media/Consumer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "MediaTestSupport.h"
#include "media/ByteOrder.h"
#include "media/Producer.h"
#include "media/TrackDescription.h"
#include "media/net/PacketSink.h"
#include "media/rtp/RtpPacket.h"

namespace parley::media {
namespace {

constexpr uint8_t kVp8 = 96;
constexpr uint8_t kOpus = 111;
constexpr uint32_t kLowSsrc = 0x1000;
constexpr uint32_t kHighSsrc = 0x2000;
constexpr uint32_t kAudioSsrc = 0x3000;
constexpr uint32_t kConsumerSsrc = 0xC0FFEE;
constexpr uint8_t kAbsSendTimeId = 3;
constexpr uint8_t kOtherExtId = 5;

// VP8 payloads: descriptor (S=1, PID 0), then the VP8 header byte whose low bit is P.
const std::vector<uint8_t> kKey = {0x10, 0x50, 0x2a, 0x00};
const std::vector<uint8_t> kDelta = {0x10, 0x51, 0x22, 0x00};

using parley::media::testsupport::codec;

TrackDescription simulcastTrack(uint8_t absSendTimeId = 0) {
  auto t = testsupport::track(sdp::MediaKind::Video, "1", {codec(kVp8, "VP8", 90000)},
                              {{kLowSsrc, 0, ""}, {kHighSsrc, 0, ""}});
  t.ext.absSendTime = absSendTimeId;
  return t;
}

TrackDescription audioTrack() {
  return testsupport::track(sdp::MediaKind::Audio, "0", {codec(kOpus, "opus", 48000)},
                            {{kAudioSsrc, 0, ""}});
}

// What came out of Consumer::prepare for one packet.
struct Out {
  size_t size = 0;
  std::vector<uint8_t> bytes;
  uint16_t seq() const { return ByteOrder::read16(bytes.data() + 2); }
  uint32_t ts() const { return ByteOrder::read32(bytes.data() + 4); }
  uint32_t ssrc() const { return ByteOrder::read32(bytes.data() + 8); }
};

// Drives a Producer → Consumer pair the way Publication/Subscription do, with hand-built
// RTP packets and a clock the test advances.
class ConsumerTest : public ::testing::Test {
 protected:
  void make(TrackDescription t) {
    producer_ = std::make_unique<Producer>(std::move(t));
    consumer_ = std::make_unique<Consumer>(*producer_, kConsumerSsrc, "track-1");
  }

  // Sends one packet of `ssrc` (next sequence number of that stream), 20 ms after the last.
  Out send(uint32_t ssrc, const std::vector<uint8_t>& payload, bool absSendTime = false) {
    nowUs_ += 20000;
    uint16_t& seq = nextSeq_[ssrc];
    uint32_t& ts = nextTs_[ssrc];
    std::vector<uint8_t> p(12, 0);
    p[0] = 0x80;
    p[1] = producer_->isVideo() ? kVp8 : kOpus;
    ByteOrder::write16(p.data() + 2, seq++);
    ByteOrder::write32(p.data() + 4, ts);
    ts += producer_->isVideo() ? 3000 : 960;
    ByteOrder::write32(p.data() + 8, ssrc);
    if (absSendTime) {
      // One-byte extensions: abs-send-time (3 bytes, zeroed), another one (1 byte), pad.
      p[0] |= 0x10;
      p.insert(p.end(), {0xBE, 0xDE, 0x00, 0x02});                     // profile, 2 words
      p.insert(p.end(), {kAbsSendTimeId << 4 | 2, 0x00, 0x00, 0x00});  // 3-byte element
      p.insert(p.end(), {kOtherExtId << 4 | 0, 0x77, 0x00, 0x00});     // 1-byte element, pad
    }
    p.insert(p.end(), payload.begin(), payload.end());
    lastIn_ = p;
    auto packet = rtp::RtpPacket::parse(lastIn_.data(), lastIn_.size());
    EXPECT_TRUE(packet);
    if (!packet) return {};
    auto received = producer_->receive(*packet, lastIn_.data(), nowUs_);
    if (!received) return {};
    Out out;
    out.bytes.resize(net::PacketSink::kSlotSize);
    out.size =
        consumer_->prepare(*packet, received->layer, received->keyframe, out.bytes.data(), nowUs_);
    out.bytes.resize(out.size);
    return out;
  }

  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Consumer> consumer_;
  int64_t nowUs_ = 10000000;
  // Each stream starts somewhere else so that rewriting is visible.
  std::map<uint32_t, uint16_t> nextSeq_ = {{kLowSsrc, 5000}, {kHighSsrc, 60000}, {kAudioSsrc, 300}};
  std::map<uint32_t, uint32_t> nextTs_ = {
      {kLowSsrc, 2000000}, {kHighSsrc, 3000000}, {kAudioSsrc, 4000000}};
  std::vector<uint8_t> lastIn_;
};

TEST_F(ConsumerTest, VideoWaitsForAKeyframe) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  EXPECT_TRUE(consumer_->wantsKeyframe());
  EXPECT_EQ(consumer_->keyframeLayer(), 0u);
  EXPECT_FALSE(consumer_->currentLayer());
  EXPECT_EQ(send(kLowSsrc, kDelta).size, 0u);
  EXPECT_EQ(send(kLowSsrc, kDelta).size, 0u);
  EXPECT_EQ(consumer_->forwarded(), 0u);

  const Out key = send(kLowSsrc, kKey);
  ASSERT_GT(key.size, 0u);
  EXPECT_EQ(key.size, lastIn_.size());
  EXPECT_EQ(key.ssrc(), kConsumerSsrc);
  EXPECT_EQ(consumer_->currentLayer(), 0u);
  EXPECT_FALSE(consumer_->wantsKeyframe());
  EXPECT_FALSE(consumer_->keyframeLayer());
  // The payload is forwarded untouched.
  EXPECT_TRUE(std::equal(key.bytes.begin() + 12, key.bytes.end(), lastIn_.begin() + 12));
}

TEST_F(ConsumerTest, CodecTheSubscriberRefusedIsNotForwardedNorAskedKeyframesFor) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  // The subscriber's answer kept only H.264 (say 102): VP8 packets are not its to get.
  consumer_->setAcceptedPayloadTypes({102});
  EXPECT_FALSE(consumer_->acceptsPayloadType(kVp8));
  EXPECT_EQ(send(kLowSsrc, kKey).size, 0u);
  EXPECT_EQ(send(kLowSsrc, kDelta).size, 0u);
  EXPECT_EQ(consumer_->forwarded(), 0u);
  EXPECT_FALSE(consumer_->wantsKeyframe());
  // Accepted again (a new answer that keeps VP8): the next keyframe starts it.
  consumer_->setAcceptedPayloadTypes({kVp8, 102});
  EXPECT_EQ(send(kLowSsrc, kDelta).size, 0u);
  EXPECT_TRUE(consumer_->wantsKeyframe());
  EXPECT_GT(send(kLowSsrc, kKey).size, 0u);
  EXPECT_EQ(consumer_->forwarded(), 1u);
}

// A VP8 payload with a 15-bit picture id, TL0PICIDX and a temporal layer index.
std::vector<uint8_t> vp8WithTid(uint16_t pictureId, uint8_t tl0, uint8_t tid, bool key) {
  return {0x90,
          0xE0,
          static_cast<uint8_t>(0x80 | (pictureId >> 8)),
          static_cast<uint8_t>(pictureId),
          tl0,
          static_cast<uint8_t>(tid << 6),
          static_cast<uint8_t>(key ? 0x50 : 0x51),
          0x00};
}

uint16_t pictureIdOf(const std::vector<uint8_t>& packet) {
  return static_cast<uint16_t>(((packet[14] & 0x7F) << 8) | packet[15]);
}

TEST_F(ConsumerTest, TemporalLayersAboveTheMaximumAreLeftOutWithoutHoles) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  consumer_->setMaxTemporalLayer(0);
  // Chrome's three-layer pattern: TID 0, 2, 1, 2, 0, 2, 1, 2, 0 — one packet per picture.
  const uint8_t pattern[] = {0, 2, 1, 2, 0, 2, 1, 2, 0};
  std::vector<Out> sent;
  for (size_t i = 0; i < std::size(pattern); ++i) {
    Out o = send(kLowSsrc, vp8WithTid(static_cast<uint16_t>(100 + i), static_cast<uint8_t>(i / 4),
                                      pattern[i], i == 0));
    if (o.size) sent.push_back(o);
  }
  ASSERT_EQ(sent.size(), 3u);  // the TL0 pictures only
  EXPECT_EQ(consumer_->temporalDrops(), 6u);
  for (size_t i = 1; i < sent.size(); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(sent[i].seq() - sent[i - 1].seq()), 1) << "no sequence hole";
    EXPECT_EQ(pictureIdOf(sent[i].bytes) - pictureIdOf(sent[i - 1].bytes), 1)
        << "no picture id hole";
  }

  // Base and middle layer: half the pictures.
  consumer_->setMaxTemporalLayer(1);
  std::vector<Out> more;
  for (size_t i = 0; i < std::size(pattern); ++i) {
    Out o = send(kLowSsrc, vp8WithTid(static_cast<uint16_t>(200 + i),
                                      static_cast<uint8_t>(9 + i / 4), pattern[i], false));
    if (o.size) more.push_back(o);
  }
  // Raising waits for a keyframe (asked for): nothing until then.
  EXPECT_TRUE(more.empty());
  EXPECT_TRUE(consumer_->wantsKeyframe());
  for (size_t i = 0; i < std::size(pattern); ++i) {
    Out o = send(kLowSsrc, vp8WithTid(static_cast<uint16_t>(300 + i),
                                      static_cast<uint8_t>(20 + i / 4), pattern[i], i == 0));
    if (o.size) more.push_back(o);
  }
  ASSERT_EQ(more.size(), 5u);  // TID 0, 1, 0, 1, 0
  EXPECT_EQ(static_cast<uint16_t>(more.front().seq() - sent.back().seq()), 1);
  for (size_t i = 1; i < more.size(); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(more[i].seq() - more[i - 1].seq()), 1);
    EXPECT_EQ(pictureIdOf(more[i].bytes) - pictureIdOf(more[i - 1].bytes), 1);
  }
}

TEST_F(ConsumerTest, ForwardedPacketsHaveOurSsrcAndContinuousSequence) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  const Out key = send(kLowSsrc, kKey);
  ASSERT_GT(key.size, 0u);
  uint16_t expected = key.seq();
  uint32_t lastTs = key.ts();
  for (int i = 0; i < 5; ++i) {
    const Out o = send(kLowSsrc, kDelta);
    ASSERT_GT(o.size, 0u);
    EXPECT_EQ(o.ssrc(), kConsumerSsrc);
    EXPECT_EQ(o.seq(), static_cast<uint16_t>(++expected));
    EXPECT_EQ(o.ts() - lastTs, 3000u);
    lastTs = o.ts();
  }
  EXPECT_EQ(consumer_->forwarded(), 6u);
  EXPECT_EQ(consumer_->layerSwitches(), 0u);
  EXPECT_EQ(consumer_->stats().packets(), 6u);
}

TEST_F(ConsumerTest, OtherLayersAreNotForwarded) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  ASSERT_GT(send(kLowSsrc, kKey).size, 0u);
  EXPECT_EQ(send(kHighSsrc, kKey).size, 0u);
  EXPECT_EQ(send(kHighSsrc, kDelta).size, 0u);
  EXPECT_GT(send(kLowSsrc, kDelta).size, 0u);
}

TEST_F(ConsumerTest, DefaultTargetIsTheHighestLayer) {
  make(simulcastTrack());
  EXPECT_EQ(consumer_->targetLayer(), 1u);
  EXPECT_EQ(send(kLowSsrc, kKey).size, 0u);
  EXPECT_GT(send(kHighSsrc, kKey).size, 0u);
  EXPECT_EQ(consumer_->currentLayer(), 1u);
  EXPECT_EQ(consumer_->layerSwitches(), 0u);  // the first layer is a start, not a switch
}

TEST_F(ConsumerTest, LayerSwitchWaitsForAKeyframeOfTheNewLayer) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  ASSERT_GT(send(kLowSsrc, kKey).size, 0u);
  Out last = send(kLowSsrc, kDelta);
  ASSERT_GT(last.size, 0u);

  consumer_->setTargetLayer(1);
  EXPECT_TRUE(consumer_->wantsKeyframe());
  EXPECT_EQ(consumer_->keyframeLayer(), 1u);
  // Until the high layer sends a keyframe the low one keeps flowing.
  EXPECT_EQ(send(kHighSsrc, kDelta).size, 0u);
  Out low = send(kLowSsrc, kDelta);
  ASSERT_GT(low.size, 0u);
  EXPECT_EQ(low.seq(), static_cast<uint16_t>(last.seq() + 1));
  EXPECT_EQ(consumer_->currentLayer(), 0u);
  EXPECT_EQ(consumer_->layerSwitches(), 0u);
  // A keyframe of the old layer does not count.
  last = send(kLowSsrc, kKey);
  ASSERT_GT(last.size, 0u);
  EXPECT_EQ(consumer_->currentLayer(), 0u);

  const Out switched = send(kHighSsrc, kKey);
  ASSERT_GT(switched.size, 0u);
  EXPECT_EQ(switched.ssrc(), kConsumerSsrc);
  EXPECT_EQ(switched.seq(), static_cast<uint16_t>(last.seq() + 1));
  // The timestamp moves on by the 20 ms since the last packet (90 kHz), not the new
  // layer's own timestamp.
  EXPECT_EQ(switched.ts() - last.ts(), 1800u);
  EXPECT_EQ(consumer_->currentLayer(), 1u);
  EXPECT_EQ(consumer_->layerSwitches(), 1u);
  EXPECT_FALSE(consumer_->wantsKeyframe());

  // Now the old layer is dropped and the new one continues the sequence.
  EXPECT_EQ(send(kLowSsrc, kDelta).size, 0u);
  const Out next = send(kHighSsrc, kDelta);
  ASSERT_GT(next.size, 0u);
  EXPECT_EQ(next.seq(), static_cast<uint16_t>(switched.seq() + 1));
  EXPECT_EQ(next.ts() - switched.ts(), 3000u);
}

TEST_F(ConsumerTest, DisabledForwardsNothing) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  ASSERT_GT(send(kLowSsrc, kKey).size, 0u);
  consumer_->setEnabled(false);
  EXPECT_FALSE(consumer_->enabled());
  EXPECT_FALSE(consumer_->wantsKeyframe());
  EXPECT_EQ(send(kLowSsrc, kDelta).size, 0u);
  EXPECT_EQ(send(kLowSsrc, kKey).size, 0u);
  EXPECT_EQ(consumer_->forwarded(), 1u);
}

TEST_F(ConsumerTest, ReenabledVideoWaitsForAKeyframe) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  ASSERT_GT(send(kLowSsrc, kKey).size, 0u);
  const Out last = send(kLowSsrc, kDelta);
  ASSERT_GT(last.size, 0u);
  consumer_->setEnabled(false);
  for (int i = 0; i < 10; ++i) send(kLowSsrc, kDelta);
  consumer_->setEnabled(true);
  EXPECT_TRUE(consumer_->wantsKeyframe());
  EXPECT_EQ(send(kLowSsrc, kDelta).size, 0u);
  const Out key = send(kLowSsrc, kKey);
  ASSERT_GT(key.size, 0u);
  // The gap the subscriber did not see is invisible in the sequence numbers.
  EXPECT_EQ(key.seq(), static_cast<uint16_t>(last.seq() + 1));
  // …but the timestamp follows the wall clock (12 packets × 20 ms at 90 kHz).
  EXPECT_EQ(key.ts() - last.ts(), 12u * 1800u);
  EXPECT_FALSE(consumer_->wantsKeyframe());
  EXPECT_EQ(consumer_->currentLayer(), 0u);
}

// Regression: Consumer::prepare counts every keyframe restart with a current layer as a
// layer switch, so pausing and resuming the same layer shows up in the stats as a switch.
TEST_F(ConsumerTest, ResyncOnTheSameLayerIsNotALayerSwitch) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  ASSERT_GT(send(kLowSsrc, kKey).size, 0u);
  consumer_->setEnabled(false);
  consumer_->setEnabled(true);
  ASSERT_GT(send(kLowSsrc, kKey).size, 0u);
  EXPECT_EQ(consumer_->layerSwitches(), 0u);
}

TEST_F(ConsumerTest, AudioForwardsImmediately) {
  make(audioTrack());
  EXPECT_FALSE(consumer_->isVideo());
  EXPECT_FALSE(consumer_->wantsKeyframe());
  const Out first = send(kAudioSsrc, {0xFC, 0x01, 0x02});
  ASSERT_GT(first.size, 0u);
  EXPECT_EQ(first.ssrc(), kConsumerSsrc);
  const Out second = send(kAudioSsrc, {0xFC, 0x03});
  ASSERT_GT(second.size, 0u);
  EXPECT_EQ(second.seq(), static_cast<uint16_t>(first.seq() + 1));

  consumer_->setEnabled(false);
  EXPECT_EQ(send(kAudioSsrc, {0xFC}).size, 0u);
  EXPECT_EQ(send(kAudioSsrc, {0xFC}).size, 0u);
  consumer_->setEnabled(true);
  // Audio has no keyframes: it resumes at once, continuing the sequence.
  const Out resumed = send(kAudioSsrc, {0xFC, 0x04});
  ASSERT_GT(resumed.size, 0u);
  EXPECT_EQ(resumed.seq(), static_cast<uint16_t>(second.seq() + 1));
  EXPECT_EQ(resumed.ts() - second.ts(), 3u * 960u);  // 60 ms at 48 kHz
}

TEST_F(ConsumerTest, SequenceWrapIsContinuous) {
  make(audioTrack());
  nextSeq_[kAudioSsrc] = 65534;
  const Out a = send(kAudioSsrc, {0xFC});
  const Out b = send(kAudioSsrc, {0xFC});
  const Out c = send(kAudioSsrc, {0xFC});
  ASSERT_GT(c.size, 0u);
  EXPECT_EQ(a.seq(), 65534);
  EXPECT_EQ(b.seq(), 65535);
  EXPECT_EQ(c.seq(), 0);
}

TEST_F(ConsumerTest, AbsSendTimeIsRewrittenWithOurSendTime) {
  make(simulcastTrack(kAbsSendTimeId));
  consumer_->setTargetLayer(0);
  nowUs_ = 1500000 - 20000;  // the packet goes out at 1.5 s
  const Out o = send(kLowSsrc, kKey, true);
  ASSERT_GT(o.size, 0u);
  auto p = rtp::RtpPacket::parse(o.bytes.data(), o.size);
  ASSERT_TRUE(p);
  const auto ext = p->extension(kAbsSendTimeId);
  ASSERT_TRUE(ext);
  ASSERT_EQ(ext->size(), 3u);
  // 6.18 fixed point: 1.5 s → 0x060000.
  EXPECT_EQ(ByteOrder::read24(ext->data()), 0x060000u);
  // Other extensions pass through.
  const auto other = p->extension(kOtherExtId);
  ASSERT_TRUE(other);
  EXPECT_EQ((*other)[0], 0x77);

  nowUs_ = 64000000 + 250000 - 20000;  // 64.25 s: the 6-bit seconds wrap to 0
  const Out later = send(kLowSsrc, kDelta, true);
  auto q = rtp::RtpPacket::parse(later.bytes.data(), later.size);
  ASSERT_TRUE(q);
  EXPECT_EQ(ByteOrder::read24(q->extension(kAbsSendTimeId)->data()), 0x010000u);
}

TEST_F(ConsumerTest, AbsSendTimeUntouchedWhenNotNegotiated) {
  make(simulcastTrack(0));
  consumer_->setTargetLayer(0);
  const Out o = send(kLowSsrc, kKey, true);
  ASSERT_GT(o.size, 0u);
  auto p = rtp::RtpPacket::parse(o.bytes.data(), o.size);
  ASSERT_TRUE(p);
  EXPECT_EQ(ByteOrder::read24(p->extension(kAbsSendTimeId)->data()), 0u);
}

TEST_F(ConsumerTest, RetransmissionRepeatsTheForwardedPacket) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  std::vector<Out> sent;
  sent.push_back(send(kLowSsrc, kKey));
  for (int i = 0; i < 4; ++i) sent.push_back(send(kLowSsrc, kDelta));
  for (const Out& o : sent) ASSERT_GT(o.size, 0u);

  std::array<uint8_t, net::PacketSink::kSlotSize> slot{};
  const Out& wanted = sent[2];
  const size_t n = consumer_->prepareRetransmission(wanted.seq(), slot.data(), nowUs_ + 5000);
  ASSERT_EQ(n, wanted.size);
  EXPECT_TRUE(std::equal(wanted.bytes.begin(), wanted.bytes.end(), slot.begin()));
  EXPECT_EQ(consumer_->retransmitted(), 1u);

  // Same again immediately: throttled; after the resend interval it is sent again.
  EXPECT_EQ(consumer_->prepareRetransmission(wanted.seq(), slot.data(), nowUs_ + 6000), 0u);
  EXPECT_EQ(consumer_->prepareRetransmission(wanted.seq(), slot.data(), nowUs_ + 40000), n);

  // The keyframe too (first forwarded packet).
  EXPECT_EQ(consumer_->prepareRetransmission(sent[0].seq(), slot.data(), nowUs_ + 5000),
            sent[0].size);
  EXPECT_EQ(ByteOrder::read32(slot.data() + 8), kConsumerSsrc);

  // Never-sent sequence numbers are not ours.
  const uint16_t future = static_cast<uint16_t>(sent.back().seq() + 1);
  EXPECT_EQ(consumer_->prepareRetransmission(future, slot.data(), nowUs_ + 5000), 0u);
  const uint16_t ancient = static_cast<uint16_t>(sent.front().seq() - 1);
  EXPECT_EQ(consumer_->prepareRetransmission(ancient, slot.data(), nowUs_ + 5000), 0u);
  const uint16_t farAway = static_cast<uint16_t>(sent.front().seq() + 30000);
  EXPECT_EQ(consumer_->prepareRetransmission(farAway, slot.data(), nowUs_ + 5000), 0u);
}

TEST_F(ConsumerTest, RetransmissionAfterALayerSwitchUsesTheRewrittenNumbers) {
  make(simulcastTrack());
  consumer_->setTargetLayer(0);
  ASSERT_GT(send(kLowSsrc, kKey).size, 0u);
  consumer_->setTargetLayer(1);
  const Out key = send(kHighSsrc, kKey);
  const Out delta = send(kHighSsrc, kDelta);
  ASSERT_GT(delta.size, 0u);
  ASSERT_EQ(consumer_->layerSwitches(), 1u);
  std::array<uint8_t, net::PacketSink::kSlotSize> slot{};
  const size_t n = consumer_->prepareRetransmission(delta.seq(), slot.data(), nowUs_ + 5000);
  ASSERT_EQ(n, delta.size);
  EXPECT_TRUE(std::equal(delta.bytes.begin(), delta.bytes.end(), slot.begin()));
  EXPECT_EQ(consumer_->prepareRetransmission(key.seq(), slot.data(), nowUs_ + 5000), key.size);
  EXPECT_EQ(ByteOrder::read16(slot.data() + 2), key.seq());
  EXPECT_EQ(ByteOrder::read32(slot.data() + 4), key.ts());
}

TEST_F(ConsumerTest, NoRetransmissionBeforeAnythingWasForwarded) {
  make(simulcastTrack());
  std::array<uint8_t, net::PacketSink::kSlotSize> slot{};
  EXPECT_EQ(consumer_->prepareRetransmission(100, slot.data(), nowUs_), 0u);
  send(kHighSsrc, kDelta);  // stored by the producer, but never forwarded
  EXPECT_EQ(consumer_->prepareRetransmission(5000, slot.data(), nowUs_), 0u);
}

}  // namespace
}  // namespace parley::media
