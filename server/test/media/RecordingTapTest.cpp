#include "media/RecordingTap.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../record/AllocationCounter.h"
#include "MediaTestSupport.h"
#include "media/ByteOrder.h"
#include "media/Consumer.h"
#include "media/Publication.h"
#include "media/Router.h"
#include "media/Subscription.h"
#include "media/Worker.h"
#include "media/dtls/DtlsCertificate.h"
#include "media/rtp/RtpPacket.h"
#include "record/PacketRing.h"

namespace parley::media {
namespace {

constexpr uint32_t kAudioSsrc = 0x3000;
constexpr uint32_t kVideoSsrc = 0x1000;
constexpr uint8_t kOpus = 111;
constexpr uint8_t kVp8 = 96;

using parley::media::testsupport::NoEvents;

using parley::media::testsupport::codec;

std::vector<TrackDescription> tracks() {
  return {testsupport::track(sdp::MediaKind::Audio, "0", {codec(kOpus, "opus", 48000)},
                             {{kAudioSsrc, 0, ""}}),
          testsupport::track(sdp::MediaKind::Video, "1", {codec(kVp8, "VP8", 90000)},
                             {{kVideoSsrc, 0, ""}})};
}

// One publication (audio and video) in a router, one subscription to it, and a recording
// tap the test attaches; packets go in through the publication as the worker hands them.
class RecordingTapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    publication = &router.addPublication(
        std::make_unique<Publication>(router, "stream", tracks(), transport("pub")));
    std::vector<std::unique_ptr<Consumer>> consumers;
    uint32_t ssrc = 0xA000;
    for (auto& producer : publication->producers())
      consumers.push_back(std::make_unique<Consumer>(*producer, ssrc++, "track"));
    subscription = &router.addSubscription(std::make_unique<Subscription>(
        router, "sub", *publication, transport("sub"), std::move(consumers)));
    subscription->onTransportConnected(subscription->transport());
    now = worker.nowUs();
  }

  std::unique_ptr<WebRtcTransport> transport(const std::string& ufrag) {
    return std::make_unique<WebRtcTransport>(ufrag, ufrag, "passwordpasswordpassword", certificate,
                                             worker);
  }

  // An RTP packet of the audio track, or of the video track (a VP8 keyframe or delta
  // frame); `size` bytes whose payload derives from the sequence number.
  void send(bool video, bool keyframe = false, size_t size = 200) {
    uint16_t& seq = video ? videoSeq : audioSeq;
    ++seq;
    sent.assign(size, 0);
    uint8_t* p = sent.data();
    p[0] = 0x80;
    p[1] = video ? kVp8 : kOpus;
    ByteOrder::write16(p + 2, seq);
    ByteOrder::write32(p + 4, static_cast<uint32_t>(now / 11));
    ByteOrder::write32(p + 8, video ? kVideoSsrc : kAudioSsrc);
    for (size_t i = 12; i < size; ++i) p[i] = static_cast<uint8_t>(seq + i);
    if (video) {
      p[12] = 0x10;                    // VP8 descriptor: start of partition 0
      p[13] = keyframe ? 0x00 : 0x01;  // VP8 payload header: P bit
    }
    // The publication may rewrite in place: hand it a copy, keep `sent` as sent.
    wire.assign(sent.begin(), sent.end());
    auto packet = rtp::RtpPacket::parse(wire.data(), wire.size());
    ASSERT_TRUE(packet);
    publication->onRtp(publication->transport(), *packet, now);
    now += 1000;
  }

  uint64_t forwardedToSubscriber(sdp::MediaKind kind) {
    Consumer* c = subscription->consumer(kind);
    return c ? c->forwarded() : 0;
  }

  // A recording tap on the publication, with a ring of `capacity` packets.
  void startRecording(size_t capacity) {
    ring = std::make_shared<record::PacketRing>(capacity);
    tap = std::make_unique<RecordingTap>(ring);
    router.attach(*publication, *tap);
  }

  NoEvents events;
  Worker worker{0, Worker::Settings{}, events};
  std::shared_ptr<const dtls::DtlsCertificate> certificate = dtls::DtlsCertificate::generate();
  // Before the router: a sink outlives the fan-out that points to it.
  std::shared_ptr<record::PacketRing> ring;
  std::unique_ptr<RecordingTap> tap;
  Router router{worker, "session"};
  Publication* publication = nullptr;
  Subscription* subscription = nullptr;
  int64_t now = 0;
  uint16_t audioSeq = 100;
  uint16_t videoSeq = 5000;
  std::vector<uint8_t> sent;
  std::vector<uint8_t> wire;
};

TEST_F(RecordingTapTest, TheTapGetsEveryPacketOfThePublicationAlongsideTheSubscriber) {
  startRecording(64);
  EXPECT_EQ(router.sinkCount(*publication), 2u);

  struct Expected {
    std::vector<uint8_t> bytes;
    int64_t arrivalUs;
    uint8_t track;
    bool keyframe;
  };
  std::vector<Expected> expected;
  auto sendAndExpect = [&](bool video, bool keyframe) {
    const int64_t at = now;
    send(video, keyframe);
    expected.push_back({sent, at, static_cast<uint8_t>(video ? 1 : 0), keyframe});
  };
  sendAndExpect(false, false);
  sendAndExpect(true, true);
  sendAndExpect(true, false);
  sendAndExpect(false, false);

  for (const Expected& e : expected) {
    const record::PacketRing::Packet* p = ring->front();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->track, e.track);
    EXPECT_EQ(p->layer, 0u);
    EXPECT_EQ(p->keyframe, e.keyframe);
    EXPECT_EQ(p->arrivalUs, e.arrivalUs);
    ASSERT_EQ(p->size, e.bytes.size());
    EXPECT_EQ(std::memcmp(p->bytes.data(), e.bytes.data(), p->size), 0);
    ring->pop();
  }
  EXPECT_EQ(ring->front(), nullptr);
  // The subscriber's fan-out is unchanged by the tap.
  EXPECT_EQ(forwardedToSubscriber(sdp::MediaKind::Audio), 2u);
  EXPECT_EQ(forwardedToSubscriber(sdp::MediaKind::Video), 2u);
}

TEST_F(RecordingTapTest, ARecorderFallingBehindCostsTheRecordingPacketsNotTheSubscriber) {
  startRecording(4);
  for (int i = 0; i < 10; ++i) send(false);
  EXPECT_EQ(ring->pushed(), 4u);
  EXPECT_EQ(ring->dropped(), 6u);
  EXPECT_EQ(forwardedToSubscriber(sdp::MediaKind::Audio), 10u);
}

TEST_F(RecordingTapTest, ADetachedTapGetsNothingMore) {
  startRecording(16);
  send(false);
  router.detach(*publication, *tap);
  send(false);
  EXPECT_EQ(router.sinkCount(*publication), 1u);
  tap.reset();
  EXPECT_EQ(ring->pushed(), 1u);
  // The tap going away ends the recorded stream.
  ASSERT_NE(ring->front(), nullptr);
  ring->pop();
  EXPECT_TRUE(ring->finished());
  EXPECT_EQ(forwardedToSubscriber(sdp::MediaKind::Audio), 2u);
}

TEST_F(RecordingTapTest, RemovingThePublicationEndsTheRecordedStreamAndTheSubscription) {
  startRecording(16);
  send(false);
  const Publication* gone = publication;
  router.removePublication("stream");
  EXPECT_EQ(router.sinkCount(*gone), 0u);
  EXPECT_EQ(subscription->publication(), nullptr);
  EXPECT_TRUE(subscription->consumers().empty());
  EXPECT_FALSE(ring->finished());  // one packet still queued
  ring->pop();
  EXPECT_TRUE(ring->finished());
}

// The worker's packet path (publication → router → WebRTC sink and recording tap) takes
// nothing from the heap once warm.
TEST_F(RecordingTapTest, TheWarmPacketPathAllocatesNothing) {
  using record::test::AllocationCounter;
  if (!AllocationCounter::available()) GTEST_SKIP() << "needs a sanitizer build";
  startRecording(64);
  auto round = [&] {
    send(true, videoSeq % 50 == 0);
    send(true);
    send(false);
    while (ring->front()) ring->pop();
  };
  // Warm: 3 s of the stream, long enough for the retransmission history to have grown to
  // the rate (about 670 video packets a second here: its 1,024 slots).
  for (int i = 0; i < 1000; ++i) round();
  // `send` reuses its buffers, so once warm everything it allocates is the path's.
  const uint64_t before = ring->pushed();
  size_t allocations = 0;
  for (int i = 0; i < 500; ++i) {
    AllocationCounter counter;
    send(i % 2 == 1, i % 100 == 1);
    allocations += counter.allocations();
    while (ring->front()) ring->pop();
  }
  EXPECT_EQ(ring->pushed() - before, 500u);
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace parley::media

namespace parley::media {
namespace {

// The router owns the taps an archive asks for (Sfu::startRecording): the tracks the
// archive records go to the file's numbering, the others are left out.
TEST_F(RecordingTapTest, ARouterTapRecordsOnlyTheChosenTracksRenumbered) {
  ring = std::make_shared<record::PacketRing>(16);
  // Audio (track 0) not recorded; video (track 1) is the file's track 0.
  ASSERT_TRUE(
      router.addTap("stream", 7, std::make_unique<RecordingTap>(ring), {RecordingTap::kSkip, 0}));
  EXPECT_EQ(router.tapCount(), 1u);
  send(false);
  send(true, true);
  send(false);
  const record::PacketRing::Packet* p = ring->front();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->track, 0u);
  EXPECT_TRUE(p->keyframe);
  ring->pop();
  EXPECT_EQ(ring->front(), nullptr) << "audio was not to be recorded";
  EXPECT_EQ(forwardedToSubscriber(sdp::MediaKind::Audio), 2u);
}

TEST_F(RecordingTapTest, RemovingARouterTapEndsTheRecordedStream) {
  ring = std::make_shared<record::PacketRing>(16);
  ASSERT_TRUE(router.addTap("stream", 7, std::make_unique<RecordingTap>(ring), {0, 1}));
  send(false);
  router.removeTap(7);
  send(false);
  EXPECT_EQ(router.tapCount(), 0u);
  EXPECT_EQ(router.sinkCount(*publication), 1u);
  EXPECT_EQ(ring->pushed(), 1u);
  ASSERT_NE(ring->front(), nullptr);
  ring->pop();
  EXPECT_TRUE(ring->finished());
}

TEST_F(RecordingTapTest, ATapForAStreamThatIsGoneClosesItsRingAtOnce) {
  ring = std::make_shared<record::PacketRing>(16);
  EXPECT_FALSE(router.addTap("no-such-stream", 7, std::make_unique<RecordingTap>(ring), {0, 1}));
  EXPECT_TRUE(ring->finished()) << "the recorder must not wait for a stream that never comes";
  auto second = std::make_shared<record::PacketRing>(16);
  ASSERT_TRUE(router.addTap("stream", 8, std::make_unique<RecordingTap>(second), {0, 1}));
  router.removePublication("stream");
  EXPECT_EQ(router.tapCount(), 0u);
  EXPECT_TRUE(second->finished());
}

}  // namespace
}  // namespace parley::media

namespace parley::media {
namespace {

// A simulcast video track is recorded one layer at a time: the best live one, taken at its
// keyframe, with sequence numbers and timestamps carried on so the file sees one stream.
TEST_F(RecordingTapTest, ASimulcastTrackFollowsTheBestLiveLayerWithoutABreak) {
  constexpr uint32_t kLow = 0x5000;
  constexpr uint32_t kHigh = 0x6000;
  std::vector<TrackDescription> simulcast = {testsupport::track(
      sdp::MediaKind::Video, "0", {codec(kVp8, "VP8", 90000)}, {{kLow, 0, "q"}, {kHigh, 0, "f"}})};
  Publication& pub = router.addPublication(
      std::make_unique<Publication>(router, "sim", std::move(simulcast), transport("sim")));
  ring = std::make_shared<record::PacketRing>(64);
  ASSERT_TRUE(router.addTap("sim", 9, std::make_unique<RecordingTap>(ring), {0}));

  uint16_t seqOf[2] = {100, 40000};
  uint32_t tsOf[2] = {1000, 900000};
  auto sendLayer = [&](int layer, bool keyframe) {
    std::vector<uint8_t> bytes(100, 0);
    bytes[0] = 0x80;
    bytes[1] = kVp8;
    ByteOrder::write16(bytes.data() + 2, ++seqOf[layer]);
    tsOf[layer] += 3000;
    ByteOrder::write32(bytes.data() + 4, tsOf[layer]);
    ByteOrder::write32(bytes.data() + 8, layer ? kHigh : kLow);
    bytes[12] = 0x10;
    bytes[13] = keyframe ? 0x00 : 0x01;
    auto packet = rtp::RtpPacket::parse(bytes.data(), bytes.size());
    ASSERT_TRUE(packet);
    pub.onRtp(pub.transport(), *packet, now);
    now += 33000;
  };
  sendLayer(0, false);  // no keyframe yet: nothing to start the file with
  sendLayer(0, true);
  sendLayer(0, false);
  sendLayer(1, false);  // the better layer is live, but a file moves only at a keyframe
  sendLayer(0, false);
  sendLayer(1, true);  // now: the high layer from here on
  sendLayer(0, false);
  sendLayer(1, false);

  std::vector<std::pair<uint16_t, uint32_t>> written;
  std::vector<uint8_t> layers;
  while (const record::PacketRing::Packet* p = ring->front()) {
    written.emplace_back(ByteOrder::read16(p->bytes.data() + 2),
                         ByteOrder::read32(p->bytes.data() + 4));
    layers.push_back(p->layer);
    ring->pop();
  }
  EXPECT_EQ(layers, (std::vector<uint8_t>{0, 0, 0, 1, 1}));
  ASSERT_EQ(written.size(), 5u);
  for (size_t i = 1; i < written.size(); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(written[i].first - written[i - 1].first), 1u) << i;
    EXPECT_GT(static_cast<int32_t>(written[i].second - written[i - 1].second), 0) << i;
  }
}

}  // namespace
}  // namespace parley::media
