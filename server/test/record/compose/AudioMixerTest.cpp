#include "record/compose/AudioMixer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "../AllocationCounter.h"

namespace parley::record::compose {
namespace {

// `pairs` stereo pairs of one value.
std::vector<float> constant(std::size_t pairs, float value) {
  return std::vector<float>(pairs * 2, value);
}

// Every pair in [from, to) of `out` equals `value`.
::testing::AssertionResult span(const std::vector<float>& out, std::size_t from, std::size_t to,
                                float value) {
  for (std::size_t i = from; i < to; ++i)
    if (std::abs(out[2 * i] - value) > 1e-6f || std::abs(out[2 * i + 1] - value) > 1e-6f)
      return ::testing::AssertionFailure()
             << "pair " << i << " is " << out[2 * i] << ", not " << value;
  return ::testing::AssertionSuccess();
}

TEST(AudioMixerTest, TwoSourcesAreSummed) {
  AudioMixer mixer;
  mixer.place(1, 0, constant(960, 0.1f));
  mixer.place(2, 480, constant(960, 0.25f));
  EXPECT_EQ(mixer.sources(), 2u);
  std::vector<float> out;
  mixer.mix(1440, out);
  ASSERT_EQ(out.size(), 1440u * 2);
  EXPECT_TRUE(span(out, 0, 480, 0.1f));
  EXPECT_TRUE(span(out, 480, 960, 0.35f));
  EXPECT_TRUE(span(out, 960, 1440, 0.25f));
  EXPECT_EQ(mixer.cursor(), 1440);
  // mix appends: the next call adds after what is there.
  mixer.mix(1500, out);
  EXPECT_EQ(out.size(), 1500u * 2);
  EXPECT_TRUE(span(out, 1440, 1500, 0.0f));
}

TEST(AudioMixerTest, ChannelsStayApart) {
  AudioMixer mixer;
  std::vector<float> stereo;
  for (int i = 0; i < 100; ++i) {
    stereo.push_back(0.5f);
    stereo.push_back(-0.25f);
  }
  mixer.place(1, 0, stereo);
  std::vector<float> out;
  mixer.mix(100, out);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FLOAT_EQ(out[2 * i], 0.5f);
    EXPECT_FLOAT_EQ(out[2 * i + 1], -0.25f);
  }
}

TEST(AudioMixerTest, GapsAreSilence) {
  AudioMixer mixer;
  mixer.place(1, 0, constant(480, 0.2f));
  // Far beyond the slack: the gap stays a gap.
  const std::int64_t later = 480 + 3 * AudioMixer::kSlackSamples;
  mixer.place(1, later, constant(480, 0.3f));
  std::vector<float> out;
  mixer.mix(later + 480 + 100, out);
  EXPECT_TRUE(span(out, 0, 480, 0.2f));
  EXPECT_TRUE(span(out, 480, later, 0.0f));
  EXPECT_TRUE(span(out, later, later + 480, 0.3f));
  EXPECT_TRUE(span(out, later + 480, later + 580, 0.0f)) << "nothing queued: silence";
}

TEST(AudioMixerTest, SmallJitterIsAbsorbed) {
  AudioMixer mixer;
  mixer.place(1, 0, constant(480, 0.2f));
  // 100 samples late, then 100 early: under the slack, each packet follows the last.
  mixer.place(1, 580, constant(480, 0.3f));
  mixer.place(1, 860, constant(480, 0.4f));
  std::vector<float> out;
  mixer.mix(1500, out);
  EXPECT_TRUE(span(out, 0, 480, 0.2f));
  EXPECT_TRUE(span(out, 480, 960, 0.3f)) << "no gap for a packet a little late";
  EXPECT_TRUE(span(out, 960, 1440, 0.4f)) << "nothing lost for a packet a little early";
  EXPECT_TRUE(span(out, 1440, 1500, 0.0f));
}

TEST(AudioMixerTest, SamplesBehindTheMixAreDropped) {
  AudioMixer mixer;
  std::vector<float> out;
  mixer.mix(1000, out);
  mixer.place(1, 500, constant(480, 0.5f));   // wholly before the cursor
  mixer.place(2, 900, constant(480, 0.25f));  // partly
  out.clear();
  mixer.mix(2000, out);
  ASSERT_EQ(out.size(), 1000u * 2);
  EXPECT_TRUE(span(out, 0, 380, 0.25f)) << "the part after the cursor plays at once";
  EXPECT_TRUE(span(out, 380, 1000, 0.0f)) << "the late source is dropped, not delayed";
  // A packet that the source has already played past (a duplicate) is dropped too.
  AudioMixer again;
  again.place(1, 0, constant(4000, 0.1f));
  again.place(1, 0, constant(480, 0.6f));
  out.clear();
  again.mix(4480, out);
  EXPECT_TRUE(span(out, 0, 4000, 0.1f));
  EXPECT_TRUE(span(out, 4000, 4480, 0.0f));
}

TEST(AudioMixerTest, APacketWithinWhatIsQueuedIsDropped) {
  // It starts more than the slack behind the queue's end and ends less than the slack
  // before it: all of it is already there.
  AudioMixer mixer;
  mixer.place(1, 0, constant(5000, 0.1f));
  mixer.place(1, 3000, constant(1500, 0.9f));
  std::vector<float> out;
  mixer.mix(6500, out);
  EXPECT_TRUE(span(out, 0, 5000, 0.1f));
  EXPECT_TRUE(span(out, 5000, 6500, 0.0f));
  // One that overlaps the end by more than the slack keeps only its new part.
  AudioMixer overlap;
  overlap.place(1, 0, constant(5000, 0.1f));
  overlap.place(1, 3000, constant(3000, 0.2f));
  out.clear();
  overlap.mix(7000, out);
  EXPECT_TRUE(span(out, 0, 5000, 0.1f));
  EXPECT_TRUE(span(out, 5000, 6000, 0.2f));
  EXPECT_TRUE(span(out, 6000, 7000, 0.0f));
}

TEST(AudioMixerTest, AClockJumpFarAheadDoesNotQueueTheGap) {
  if (!test::AllocationCounter::available()) GTEST_SKIP() << "needs a sanitizer build";
  AudioMixer mixer;
  mixer.place(1, 0, constant(480, 0.1f));
  const std::int64_t jump = 2 * 60 * AudioMixer::kSampleRate;  // two minutes
  const auto packet = constant(480, 0.3f);
  std::size_t allocations = 0;
  {
    test::AllocationCounter counter;
    mixer.place(1, jump, packet);
    allocations = counter.allocations();
  }
  // Two minutes of queued silence would take ~90000 of the deque's 512-byte blocks; the
  // whole bounded buffer (2 s) takes under 1600.
  EXPECT_LT(allocations, 1600u);
  // What plays is the same either way: silence, then the packet.
  std::vector<float> out;
  mixer.mix(jump + 480, out);
  EXPECT_TRUE(span(out, 0, static_cast<std::size_t>(jump), 0.0f));
  EXPECT_TRUE(
      span(out, static_cast<std::size_t>(jump), static_cast<std::size_t>(jump) + 480, 0.3f));
}

TEST(AudioMixerTest, ARemovedSourceIsSilent) {
  AudioMixer mixer;
  mixer.place(1, 0, constant(480, 0.2f));
  mixer.place(2, 0, constant(480, 0.3f));
  mixer.removeSource(1);
  EXPECT_EQ(mixer.sources(), 1u);
  std::vector<float> out;
  mixer.mix(480, out);
  EXPECT_TRUE(span(out, 0, 480, 0.3f));
}

TEST(AudioMixerTest, LimiterIsTheIdentityBelowTheKneeAndNeverPassesOne) {
  for (float v : {0.0f, 0.1f, -0.3f, 0.5f, 0.79f, -0.8f, 0.8f})
    EXPECT_EQ(AudioMixer::limit(v), v) << v;
  float previous = AudioMixer::limit(0.8f);
  for (float v = 0.81f; v < 50.0f; v *= 1.1f) {
    const float l = AudioMixer::limit(v);
    EXPECT_LE(l, 1.0f) << v;
    EXPECT_GE(l, previous) << "monotonic at " << v;
    EXPECT_LT(l, v) << v;
    EXPECT_EQ(AudioMixer::limit(-v), -l) << v;
    previous = l;
  }
  EXPECT_LE(AudioMixer::limit(1e9f), 1.0f);
  EXPECT_GE(AudioMixer::limit(-1e9f), -1.0f);
  // Through the mixer: two loud sources never clip.
  AudioMixer mixer;
  mixer.place(1, 0, constant(100, 0.9f));
  mixer.place(2, 0, constant(100, 0.9f));
  mixer.place(3, 0, constant(100, 0.9f));
  std::vector<float> out;
  mixer.mix(100, out);
  for (float s : out) {
    EXPECT_LE(s, 1.0f);
    EXPECT_GT(s, 0.8f);
  }
}

TEST(AudioMixerTest, EachSourceBuffersAtMostTwoSeconds) {
  AudioMixer mixer;
  const std::size_t kept = AudioMixer::kMaxBufferedSamples;
  const std::int64_t total = 5 * AudioMixer::kSampleRate;
  // 5 s, never mixed: the first 3 s (0.1) must go, the last 2 s (0.2) stay.
  for (std::int64_t at = 0; at < total; at += 960)
    mixer.place(1, at, constant(960, at < total - static_cast<std::int64_t>(kept) ? 0.1f : 0.2f));
  std::vector<float> out;
  mixer.mix(total, out);
  const auto firstKept = static_cast<std::size_t>(total) - kept;
  EXPECT_TRUE(span(out, 0, firstKept, 0.0f)) << "the oldest samples were dropped";
  EXPECT_TRUE(span(out, firstKept, static_cast<std::size_t>(total), 0.2f));
}

}  // namespace
}  // namespace parley::record::compose
