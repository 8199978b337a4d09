#include "media/Router.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "MediaTestSupport.h"
#include "media/Consumer.h"
#include "media/Publication.h"
#include "media/Subscription.h"
#include "media/WebRtcTransport.h"
#include "media/Worker.h"
#include "media/dtls/DtlsCertificate.h"
#include "media/rtcp/GenericNack.h"
#include "media/rtcp/Pli.h"

namespace parley::media {
namespace {

using parley::media::testsupport::NoEvents;

using parley::media::testsupport::codec;

std::vector<TrackDescription> tracks() {
  return testsupport::audioAndTwoLayerVideo();
}

class MediaRouterTest : public ::testing::Test {
 protected:
  std::unique_ptr<WebRtcTransport> transport(const std::string& ufrag) {
    return std::make_unique<WebRtcTransport>(ufrag, ufrag, "passwordpasswordpassword", certificate,
                                             worker);
  }

  NoEvents events;
  Worker worker{0, Worker::Settings{}, events};
  std::shared_ptr<const dtls::DtlsCertificate> certificate = dtls::DtlsCertificate::generate();
  Router router{worker, "session"};
};

// A subscriber's RTCP, pause and timers can still reach its subscription after the
// publication is gone (the control thread removes the subscription later): nothing of the
// publication may be touched then.
TEST_F(MediaRouterTest, ASubscriptionOutlivingItsPublicationTouchesNothingOfIt) {
  Publication& p = router.addPublication(
      std::make_unique<Publication>(router, "stream", tracks(), transport("pub")));
  std::vector<std::unique_ptr<Consumer>> consumers;
  uint32_t ssrc = 0xA000;
  for (auto& producer : p.producers())
    consumers.push_back(std::make_unique<Consumer>(*producer, ssrc++, "track"));
  Subscription& s = router.addSubscription(
      std::make_unique<Subscription>(router, "sub", p, transport("sub"), std::move(consumers)));
  s.onTransportConnected(s.transport());
  ASSERT_EQ(s.consumers().size(), 2u);

  router.removePublication("stream");
  ASSERT_EQ(router.subscription("sub"), &s);
  EXPECT_EQ(s.publication(), nullptr);

  const int64_t now = worker.nowUs();
  uint8_t rtcp[256];
  size_t n = rtcp::Pli::build(rtcp, sizeof rtcp, 0x1234, 0xA001);
  const uint16_t lost[] = {1, 2, 3};
  n += rtcp::GenericNack::build(rtcp + n, sizeof rtcp - n, 0x1234, 0xA001, lost, 3);
  ASSERT_GT(n, 0u);
  s.onRtcp(s.transport(), rtcp, n, now);
  s.setEnabled(sdp::MediaKind::Video, false);
  s.setEnabled(sdp::MediaKind::Audio, true);
  s.setPreferredSize(160, 120, 640);
  s.tick(now + 1000000);
  EXPECT_TRUE(s.consumers().empty());
  router.removeSubscription("sub");
  EXPECT_TRUE(router.empty());
}

// A large router's tick visits a slice of its subscriptions (each every tenth tick); a
// small one visits all of them every tick.
TEST_F(MediaRouterTest, ALargeRouterTicksItsSubscriptionsInSlices) {
  Publication& p = router.addPublication(
      std::make_unique<Publication>(router, "stream", tracks(), transport("pub")));
  auto addClosed = [&](size_t count) {
    for (size_t i = 0; i < count; ++i) {
      const std::string id = "sub" + std::to_string(i);
      Subscription& s = router.addSubscription(std::make_unique<Subscription>(
          router, id, p, transport(id), std::vector<std::unique_ptr<Consumer>>{}));
      s.onTransportClosed(s.transport(), "test");  // the next tick that visits it removes it
    }
  };
  const int64_t now = worker.nowUs();
  addClosed(20);
  router.tick(now);
  EXPECT_TRUE(router.subscriptions().empty()) << "a small router: all at once";

  addClosed(100);
  router.tick(now);
  EXPECT_EQ(router.subscriptions().size(), 90u);
  for (int i = 0; i < 9; ++i) router.tick(now + 10000 * (i + 1));
  EXPECT_TRUE(router.subscriptions().empty()) << "every one visited within ten ticks";
}

// The fan-out fetches a few sinks ahead (MediaSink::prefetch): each sink still gets each
// packet exactly once and in attach order, a sink's stages come before its packet and in
// increasing order (the first sinks join the pipeline part-way), and nothing is fetched for
// a sink after its packet; for lists shorter and longer than the pipeline.
TEST_F(MediaRouterTest, TheFanOutFetchesAheadAndDeliversEachPacketOnceInOrder) {
  struct Call {
    size_t sink;
    int stage;  // -1: onPacket
  };
  class ProbeSink final : public MediaSink {
   public:
    ProbeSink(size_t index, std::vector<Call>& calls) : index_(index), calls_(calls) {}
    void onPacket(const Packet&) override { calls_.push_back({index_, -1}); }
    void prefetch(int stage) const override { calls_.push_back({index_, stage}); }
    void onSourceGone() override {}

   private:
    size_t index_;
    std::vector<Call>& calls_;
  };

  Publication& p = router.addPublication(
      std::make_unique<Publication>(router, "stream", tracks(), transport("pub")));
  std::vector<uint8_t> bytes(40, 0);
  bytes[0] = 0x80;
  bytes[1] = 96;
  auto rtp = rtp::RtpPacket::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(rtp);
  const MediaSink::Packet packet{*p.producers()[1], 1, 0, false, *rtp, worker.nowUs()};
  constexpr int kStages = MediaSink::kPrefetchStages;

  for (size_t n = 0; n <= kStages + 4; ++n) {
    std::vector<Call> calls;
    std::vector<std::unique_ptr<ProbeSink>> sinks;
    for (size_t i = 0; i < n; ++i) {
      sinks.push_back(std::make_unique<ProbeSink>(i, calls));
      router.attach(p, *sinks.back());
    }
    router.route(p, packet);

    std::vector<size_t> delivered;
    std::vector<int> lastStage(n, -1);
    std::vector<int> stages(n, 0);
    std::vector<bool> done(n, false);
    for (const Call& c : calls) {
      ASSERT_LT(c.sink, n);
      if (c.stage < 0) {
        delivered.push_back(c.sink);
        done[c.sink] = true;
        continue;
      }
      EXPECT_FALSE(done[c.sink]) << "n=" << n << ": sink " << c.sink << " fetched after its packet";
      EXPECT_GT(c.stage, lastStage[c.sink]) << "n=" << n << ": sink " << c.sink;
      EXPECT_LT(c.stage, kStages);
      lastStage[c.sink] = c.stage;
      ++stages[c.sink];
    }
    std::vector<size_t> inOrder(n);
    for (size_t i = 0; i < n; ++i) inOrder[i] = i;
    EXPECT_EQ(delivered, inOrder) << "n=" << n;
    // The first sinks are reached before the pipeline fills; every later one is fetched
    // through all its stages.
    for (size_t i = kStages; i < n; ++i) EXPECT_EQ(stages[i], kStages) << "n=" << n;

    for (auto& sink : sinks) router.detach(p, *sink);
  }
}

}  // namespace
}  // namespace parley::media
