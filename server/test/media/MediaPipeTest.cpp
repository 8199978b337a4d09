#include "media/MediaPipe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "MediaTestSupport.h"
#include "media/PipeSink.h"
#include "media/Producer.h"
#include "media/Publication.h"
#include "media/Router.h"
#include "media/Worker.h"
#include "media/rtp/RtpPacket.h"

namespace parley::media {
namespace {

using testsupport::codec;
using testsupport::NoEvents;

std::vector<TrackDescription> tracks() {
  return testsupport::audioAndTwoLayerVideo();
}

// What the mirror's fan-out hands a subscriber, recorded on the mirror's worker thread.
class RecordingSink final : public MediaSink {
 public:
  void onPacket(const Packet& p) override {
    std::lock_guard lock(mutex);
    seen.push_back({p.track, p.layer, p.keyframe, p.rtp.sequenceNumber(),
                    p.producer.layer(p.layer)
                        .buffer->find(p.rtp.sequenceNumber(), p.arrivalUs / 1000)
                        .has_value()});
  }
  void onSourceGone() override { gone = true; }
  struct Seen {
    size_t track, layer;
    bool keyframe;
    uint16_t sequence;
    bool kept;  // the mirror's producer can answer a NACK for it
  };
  std::mutex mutex;
  std::vector<Seen> seen;
  std::atomic<bool> gone{false};
  size_t count() {
    std::lock_guard lock(mutex);
    return seen.size();
  }
};

std::vector<uint8_t> rtpPacket(uint16_t seq, uint32_t ssrc, uint8_t pt) {
  std::vector<uint8_t> p(120, 0);
  p[0] = 0x80;
  p[1] = pt;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  p[8] = static_cast<uint8_t>(ssrc >> 24);
  p[9] = static_cast<uint8_t>(ssrc >> 16);
  p[10] = static_cast<uint8_t>(ssrc >> 8);
  p[11] = static_cast<uint8_t>(ssrc);
  p[12] = 0x10;  // a VP8 descriptor's first byte (S=1)
  return p;
}

bool waitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class MediaPipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mirrorWorker.start();
    pipe->requestKeyframe = [this](size_t layer) { keyframeRequests.push_back(layer); };
    mirrorWorker.post([this] {
      Router& r = mirrorWorker.router("session");
      Publication& mirror =
          r.addPublication(std::make_unique<Publication>(r, "stream", tracks(), pipe));
      r.attach(mirror, sink);
    });
    // The origin's producers, whose packets the pipe carries (the test thread plays the
    // origin's worker).
    for (auto& t : tracks()) origin.push_back(std::make_unique<Producer>(t));
  }
  void TearDown() override {
    mirrorWorker.post([this] { mirrorWorker.router("session").removePublication("stream"); });
    mirrorWorker.stop();
  }

  void send(PipeSink& out, size_t track, size_t layer, uint16_t seq, bool keyframe) {
    const uint32_t ssrc = track == 0 ? 0x3000 : (layer == 0 ? 0x1000 : 0x2000);
    auto bytes = rtpPacket(seq, ssrc, track == 0 ? 111 : 96);
    auto rtp = rtp::RtpPacket::parse(bytes.data(), bytes.size());
    ASSERT_TRUE(rtp);
    out.onPacket(
        MediaSink::Packet{*origin[track], track, layer, keyframe, *rtp, Worker::steadyNowUs()});
  }

  NoEvents events;
  Worker mirrorWorker{1, Worker::Settings{}, events};
  std::shared_ptr<MediaPipe> pipe = std::make_shared<MediaPipe>();
  std::vector<std::unique_ptr<Producer>> origin;
  RecordingSink sink;
  std::vector<size_t> keyframeRequests;  // mirror worker thread only, read after stop()
};

TEST_F(MediaPipeTest, PacketsCrossToTheMirrorInOrderAndAreKeptForRetransmission) {
  PipeSink out(pipe);
  for (uint16_t i = 0; i < 300; ++i) send(out, 1, i % 2, static_cast<uint16_t>(1000 + i), i == 0);
  send(out, 0, 0, 7, false);
  ASSERT_TRUE(waitFor([&] { return sink.count() == 301; })) << sink.count();
  std::lock_guard lock(sink.mutex);
  for (size_t i = 0; i < 300; ++i) {
    EXPECT_EQ(sink.seen[i].track, 1u);
    EXPECT_EQ(sink.seen[i].layer, i % 2);
    EXPECT_EQ(sink.seen[i].sequence, 1000 + i);
    EXPECT_EQ(sink.seen[i].keyframe, i == 0);
    EXPECT_TRUE(sink.seen[i].kept) << i;
  }
  EXPECT_EQ(sink.seen[300].track, 0u);
  EXPECT_EQ(pipe->ring().dropped(), 0u);
}

TEST_F(MediaPipeTest, BurstsFromAnotherThreadAllArriveWhileTheMirrorDrains) {
  // The origin pushes in bursts, as its worker does after each receive batch; the mirror
  // drains concurrently. Nothing may be lost or stuck (a missed wake-up would leave the
  // last burst in the ring).
  PipeSink out(pipe);
  uint16_t seq = 0;
  size_t sent = 0;
  for (int burst = 0; burst < 200; ++burst) {
    for (int i = 0; i < 5; ++i, ++sent) send(out, 1, 0, seq++, false);
    if (burst % 20 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    // Never more than the ring holds in flight, so a drop would be a bug, not a full ring.
    ASSERT_TRUE(waitFor([&] { return sent - sink.count() < MediaPipe::kCapacity / 2; }));
  }
  ASSERT_TRUE(waitFor([&] { return sink.count() == sent; })) << sink.count() << "/" << sent;
  EXPECT_EQ(pipe->ring().dropped(), 0u);
}

TEST_F(MediaPipeTest, KeyframeRequestsOfTheMirrorGoToTheOriginThrottled) {
  std::promise<void> done;
  mirrorWorker.post([&] {
    Publication* mirror = mirrorWorker.router("session").publication("stream");
    if (!mirror || !mirror->mirrored() || mirror->hasTransport()) {
      ADD_FAILURE() << "no mirror on the worker";
      done.set_value();
      return;
    }
    const int64_t now = Worker::steadyNowUs();
    mirror->requestKeyFrame(1, now);
    mirror->requestKeyFrame(1, now + 1000);    // within 300 ms: dropped
    mirror->requestKeyFrame(0, now + 1000);    // another layer: its own budget
    mirror->requestKeyFrame(1, now + 400000);  // later: passed on
    mirror->requestKeyFrame(7, now);           // no such layer
    done.set_value();
  });
  done.get_future().wait();
  mirrorWorker.stop();
  EXPECT_EQ(keyframeRequests, (std::vector<size_t>{1, 0, 1}));
}

TEST_F(MediaPipeTest, ClosingTheOriginLeavesTheMirrorInert) {
  {
    PipeSink out(pipe);
    send(out, 1, 0, 1, true);
    out.onSourceGone();
    send(out, 1, 0, 2, false);  // after the close: refused
  }
  ASSERT_TRUE(waitFor([&] { return sink.count() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(sink.count(), 1u);
}

}  // namespace
}  // namespace parley::media
