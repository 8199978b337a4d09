#include "load/PublishedTrack.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "load/AbsCaptureTime.h"
#include "media/rtp/RtpPacket.h"

namespace parley::load {
namespace {

constexpr uint32_t kFrameTicks = 3000;  // 30 frames a second at 90 kHz
constexpr int64_t kFrameUs = 33333;

// A 30 fps clip of `count` frames: a keyframe of 30 packets first, then frames of 3.
std::shared_ptr<const std::vector<PacketizedFrame>> clip(size_t count) {
  auto frames = std::make_shared<std::vector<PacketizedFrame>>();
  for (size_t i = 0; i < count; ++i) {
    PacketizedFrame f;
    f.keyframe = i == 0;
    f.duration = kFrameTicks;
    f.payloads.assign(f.keyframe ? 30 : 3, std::vector<uint8_t>(1000, 0x42));
    frames->push_back(std::move(f));
  }
  return frames;
}

PublishedTrack track(double pacingFactor, size_t frames = 30) {
  PublishedTrack::Settings s;
  s.video = true;
  s.codec = ClipCodec::H264;  // no VP8 descriptor to rewrite in the fake payloads
  s.ssrc = 1234;
  s.payloadType = 96;
  s.clockRate = 90000;
  s.frames = clip(frames);
  s.pacingFactor = pacingFactor;
  PublishedTrack t(s, 1000, 100);
  t.setExtensionIds({0, 3});
  return t;
}

struct Sent {
  int64_t atUs;
  uint16_t sequence;
  uint32_t timestamp;
  bool marker;
  uint64_t stamp;
};

// Drives the track like the media loop does, from t = 0 to `untilUs`, stamping each send
// with its time; returns every packet in the order sent.
std::vector<Sent> run(PublishedTrack& t, int64_t untilUs) {
  std::vector<Sent> out;
  auto batch = std::make_unique<PacketBatch>();
  t.start(0);
  for (int64_t now = 0; now <= untilUs;) {
    while (t.nextDueUs() <= now) {
      batch->clear();
      if (t.send(now, AbsCaptureTime::ntpFromUnixUs(now), *batch) == 0) break;
      for (size_t i = 0; i < batch->count(); ++i) {
        auto p = media::rtp::RtpPacket::parse(batch->data(i), batch->size(i));
        EXPECT_TRUE(p);
        if (!p) continue;
        auto ext = p->extension(3);
        EXPECT_TRUE(ext);
        uint64_t stamp = ext ? AbsCaptureTime::read(*ext).value_or(0) : 0;
        out.push_back({now, p->sequenceNumber(), p->timestamp(), p->marker(), stamp});
      }
    }
    now = std::max(now + 1, std::min(t.nextDueUs(), untilUs + 1));
  }
  return out;
}

TEST(PublishedTrackTest, WithoutPacingEachFrameLeavesWhole) {
  PublishedTrack t = track(0);
  EXPECT_EQ(t.pacingBytesPerSecond(), 0);
  auto sent = run(t, 2 * kFrameUs);
  // The keyframe and two frames, each at its capture time.
  ASSERT_EQ(sent.size(), 36u);
  for (size_t i = 0; i < 30; ++i) EXPECT_EQ(sent[i].atUs, 0);
  for (size_t i = 30; i < 33; ++i) EXPECT_NEAR(sent[i].atUs, kFrameUs, 1);
  EXPECT_TRUE(sent[29].marker);
  EXPECT_FALSE(sent[28].marker);
  EXPECT_EQ(t.framesSent(), 3u);
}

TEST(PublishedTrackTest, PacingSpreadsAKeyframeAndKeepsOrdinaryFramesWhole) {
  // Two seconds of clip: a 30-packet keyframe and 59 frames of 3, 207 packets of 1,028
  // bytes with their headers; paced at 2.5 times its rate, 265,995 B/s, so the 40 ms
  // allowance (10,640 bytes) lets 10 packets out at once and then one every 3.865 ms.
  PublishedTrack t = track(2.5, 60);
  EXPECT_NEAR(t.pacingBytesPerSecond(), 2.5 * 207 * 1028 / 2.0, 1);
  auto sent = run(t, 1000000);
  ASSERT_GE(sent.size(), 30u + 30 * 3);
  size_t atOnce = 0;
  while (atOnce < sent.size() && sent[atOnce].atUs == 0) ++atOnce;
  EXPECT_EQ(atOnce, 10u);
  // The 11th packet waits for 668 bytes to drain (2.5 ms), the last one 19 steps later.
  EXPECT_NEAR(sent[10].atUs, 2513, 1);
  EXPECT_NEAR(sent[29].atUs, 2513 + 19 * 3865, 20);
  // Numbered without gaps, one RTP timestamp per frame, marker on each frame's last
  // packet, every packet stamped with its own send time.
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].sequence, static_cast<uint16_t>(100 + i));
    EXPECT_NEAR(AbsCaptureTime::unixUsFromNtp(sent[i].stamp), sent[i].atUs, 1);
  }
  EXPECT_EQ(sent[29].timestamp, 1000u);
  EXPECT_TRUE(sent[29].marker);
  EXPECT_EQ(sent[30].timestamp, 1000u + kFrameTicks);
  // The frames captured meanwhile waited their turn and caught up: a second in, all 31
  // frames captured have gone, the last (captured at 999,990 µs) whole and at once.
  EXPECT_EQ(t.framesSent(), 31u);
  EXPECT_EQ(t.framesDropped(), 0u);
  ASSERT_EQ(sent.size(), 30u + 30 * 3);
  EXPECT_EQ(sent[sent.size() - 3].atUs, 30 * kFrameUs);
  EXPECT_EQ(sent.back().atUs, 30 * kFrameUs);
  EXPECT_TRUE(sent.back().marker);
}

TEST(PublishedTrackTest, AStalledLoopSkipsTheMissedFramesAndKeepsTheTracksPhase) {
  PublishedTrack t = track(0, 60);
  auto batch = std::make_unique<PacketBatch>();
  const int64_t phase = 12345;  // this track's first capture
  t.start(phase);
  EXPECT_EQ(t.send(phase, 0, *batch), 30u);
  EXPECT_EQ(t.nextDueUs(), phase + kFrameUs);
  // The loop comes back half a second later: one frame leaves (not the 15 missed), and the
  // next capture is due on the track's own 33.3 ms grid, not half a frame after the stall.
  const int64_t late = phase + 500000;
  batch->clear();
  EXPECT_EQ(t.send(late, 0, *batch), 3u);
  EXPECT_EQ(t.nextDueUs(), phase + 16 * kFrameUs);
  EXPECT_EQ(t.framesSent(), 2u);
  EXPECT_EQ(t.framesDropped(), 0u);
}

TEST(PublishedTrackTest, AKeyframeRequestRestartsAtTheNextKeyframeOfTheClip) {
  PublishedTrack t = track(0, 10);
  auto batch = std::make_unique<PacketBatch>();
  t.start(0);
  EXPECT_EQ(t.send(0, 0, *batch), 30u);  // the clip's keyframe
  batch->clear();
  t.requestKeyframe();
  EXPECT_EQ(t.send(kFrameUs, 0, *batch), 30u);
  EXPECT_EQ(t.keyframesSent(), 2u);
}

}  // namespace
}  // namespace parley::load
