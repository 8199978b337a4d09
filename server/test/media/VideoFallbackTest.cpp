#include "media/VideoFallback.h"

#include <gtest/gtest.h>

namespace parley::media {
namespace {

constexpr int64_t kTick = 500000;  // Subscription feeds it twice a second

VideoFallback::Input starved() {
  VideoFallback::Input in;
  in.estimateBps = 60000;
  in.lowestLayerBps = 150000;
  in.onLowestLayer = true;
  return in;
}

VideoFallback::Input healthy() {
  VideoFallback::Input in = starved();
  in.estimateBps = 400000;
  return in;
}

// Feeds `in` from `from` for `us`; returns the first change seen and when.
std::pair<VideoFallback::Change, int64_t> feed(VideoFallback& f, const VideoFallback::Input& in,
                                               int64_t from, int64_t us) {
  for (int64_t t = from; t < from + us; t += kTick) {
    auto c = f.update(in, t);
    if (c != VideoFallback::Change::None) return {c, t};
  }
  return {VideoFallback::Change::None, from + us};
}

TEST(VideoFallbackTest, AnEstimateUnderTheLowestLayerForThreeSecondsStopsVideo) {
  VideoFallback f;
  int64_t t = 1000000;
  EXPECT_EQ(feed(f, healthy(), t, 10000000).first, VideoFallback::Change::None);
  t += 10000000;
  auto [change, at] = feed(f, starved(), t, 10000000);
  EXPECT_EQ(change, VideoFallback::Change::Suspend);
  EXPECT_GE(at - t, VideoFallback::kSustainUs);
  EXPECT_LE(at - t, VideoFallback::kSustainUs + kTick);
  EXPECT_TRUE(f.suspended());
}

TEST(VideoFallbackTest, ABriefDipOrAnotherLayerDoesNotStopVideo) {
  VideoFallback f;
  int64_t t = 1000000;
  // 2.5 s starved, then fine again: the trouble must last.
  EXPECT_EQ(feed(f, starved(), t, 2500000).first, VideoFallback::Change::None);
  EXPECT_EQ(feed(f, healthy(), t + 2500000, 1000000).first, VideoFallback::Change::None);
  EXPECT_EQ(feed(f, starved(), t + 3500000, 2500000).first, VideoFallback::Change::None);
  // Not yet on the lowest layer: layer selection steps down first.
  VideoFallback::Input higher = starved();
  higher.onLowestLayer = false;
  EXPECT_EQ(feed(f, higher, t + 6000000, 20000000).first, VideoFallback::Change::None);
  // A layer too slow to matter (a still screen) is never too heavy.
  VideoFallback::Input light = starved();
  light.lowestLayerBps = 30000;
  light.estimateBps = 10000;
  EXPECT_EQ(feed(f, light, t + 26000000, 20000000).first, VideoFallback::Change::None);
  // No estimate yet is not a low one.
  VideoFallback::Input unknown = starved();
  unknown.estimateBps = 0;
  EXPECT_EQ(feed(f, unknown, t + 46000000, 20000000).first, VideoFallback::Change::None);
}

TEST(VideoFallbackTest, HeavyLossStopsVideoEvenWithAGoodEstimate) {
  VideoFallback f;
  VideoFallback::Input lossy = healthy();
  lossy.fractionLost = 80;  // 31 %
  EXPECT_EQ(feed(f, lossy, 1000000, 10000000).first, VideoFallback::Change::Suspend);
  VideoFallback g;
  VideoFallback::Input light = healthy();
  light.fractionLost = 20;  // 8 %: NACKs repair that
  EXPECT_EQ(feed(g, light, 1000000, 10000000).first, VideoFallback::Change::None);
}

TEST(VideoFallbackTest, VideoComesBackAfterABackoffThatDoublesWhenTheRetryFails) {
  VideoFallback f;
  auto [c1, stopped] = feed(f, starved(), 1000000, 10000000);
  ASSERT_EQ(c1, VideoFallback::Change::Suspend);
  // Whatever the estimate says while suspended (it follows the audio), video comes back
  // after the back-off.
  auto [c2, resumed] = feed(f, starved(), stopped + kTick, 20000000);
  ASSERT_EQ(c2, VideoFallback::Change::Resume);
  EXPECT_NEAR(static_cast<double>(resumed - stopped), VideoFallback::kMinBackoffUs, kTick);
  // Right after resuming the estimate is low from the audio-only time: the grace keeps
  // video on, unless the video is lost.
  EXPECT_EQ(feed(f, starved(), resumed + kTick, VideoFallback::kGraceUs - 2 * kTick).first,
            VideoFallback::Change::None);
  // Still starved after the grace: it goes again, and the next try waits twice as long.
  auto [c3, stoppedAgain] = feed(f, starved(), resumed + VideoFallback::kGraceUs, 10000000);
  ASSERT_EQ(c3, VideoFallback::Change::Suspend);
  EXPECT_EQ(f.backoffUs(), 2 * VideoFallback::kMinBackoffUs);
  auto [c4, resumedAgain] = feed(f, healthy(), stoppedAgain + kTick, 30000000);
  ASSERT_EQ(c4, VideoFallback::Change::Resume);
  EXPECT_NEAR(static_cast<double>(resumedAgain - stoppedAgain), 2 * VideoFallback::kMinBackoffUs,
              kTick);
  // A healthy link keeps it on.
  EXPECT_EQ(feed(f, healthy(), resumedAgain + kTick, 60000000).first, VideoFallback::Change::None);
}

TEST(VideoFallbackTest, LossDuringTheGraceStopsVideoAgain) {
  VideoFallback f;
  auto [c1, stopped] = feed(f, starved(), 1000000, 10000000);
  ASSERT_EQ(c1, VideoFallback::Change::Suspend);
  auto [c2, resumed] = feed(f, starved(), stopped + kTick, 20000000);
  ASSERT_EQ(c2, VideoFallback::Change::Resume);
  VideoFallback::Input lossy = starved();
  lossy.fractionLost = 128;
  auto [c3, at] = feed(f, lossy, resumed + kTick, VideoFallback::kGraceUs);
  EXPECT_EQ(c3, VideoFallback::Change::Suspend);
  EXPECT_LT(at - resumed, VideoFallback::kGraceUs);
  EXPECT_EQ(f.backoffUs(), 2 * VideoFallback::kMinBackoffUs);
}

TEST(VideoFallbackTest, TheBackoffStopsGrowingAtItsCeiling) {
  VideoFallback f;
  VideoFallback::Input lossy = starved();
  lossy.fractionLost = 128;
  int64_t t = 1000000;
  for (int i = 0; i < 10; ++i) {
    auto [stop, at] = feed(f, lossy, t, 10000000);
    ASSERT_EQ(stop, VideoFallback::Change::Suspend);
    auto [resume, back] = feed(f, lossy, at + kTick, VideoFallback::kMaxBackoffUs + kTick);
    ASSERT_EQ(resume, VideoFallback::Change::Resume);
    t = back + kTick;
  }
  EXPECT_EQ(f.backoffUs(), VideoFallback::kMaxBackoffUs);
}

}  // namespace
}  // namespace parley::media
