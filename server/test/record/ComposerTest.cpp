#include "record/Composer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../store/TempDirectory.h"
#include "AllocationCounter.h"
#include "RecordTestSupport.h"
#include "record/Mp4FileMuxer.h"
#include "record/compose/Layout.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;

using recordtest::rgbAt;

constexpr int kWidth = 640;
constexpr int kHeight = 480;
constexpr int kFps = 25;
constexpr int kClipSeconds = 3;
constexpr std::int64_t kFirstArrivalUs = 1000000;

std::vector<Composer::Track> tracks(TrackFormat::Codec video = TrackFormat::Codec::Vp8) {
  return {{TrackFormat{video}, 90000}, {TrackFormat{TrackFormat::Codec::Opus}, 48000}};
}

Composer::Settings settings() {
  Composer::Settings s;
  s.output.width = kWidth;
  s.output.height = kHeight;
  s.output.framesPerSecond = kFps;
  return s;
}

compose::StreamInfo streamInfo(const std::string& id, std::uint64_t order) {
  compose::StreamInfo info;
  info.id = id;
  info.connectionId = "connection-" + id;
  info.addedOrder = order;
  return info;
}

compose::Layout pip() {
  std::string error;
  auto layout = compose::Layout::create("pip", "", "", &error);
  EXPECT_TRUE(layout) << error;
  return layout ? *layout : compose::Layout::bestFit();
}

// A publisher's clip of one colour, as the packets the worker queues.
std::vector<PacketRing::Packet> colourClip(const fs::path& dir, const std::string& colour,
                                           const std::string& codec = "libvpx") {
  const fs::path file = dir / (colour + codec + ".webm");
  recordtest::ClipOptions options;
  options.video = "color=c=" + colour + ":size=320x240:rate=30";
  options.seconds = kClipSeconds;
  options.videoCodec = codec;
  options.realtimeEncoder = codec != "libvpx";
  std::vector<PacketRing::Packet> packets;
  if (!recordtest::makeClip(file, options)) return packets;
  std::string error;
  auto reader = MediaFileReader::open(file.string(), &error);
  if (!reader) return packets;
  int videoFrames = 0;
  const auto rtp = recordtest::packetize(*reader, &videoFrames);
  if (videoFrames == 0 || !recordtest::toRingPackets(rtp, kFirstArrivalUs, &packets))
    packets.clear();
  return packets;
}

// The colour names the (mean) RGB triple is close to.
bool isRed(const std::vector<int>& c) {
  return c.size() == 3 && c[0] > 180 && c[1] < 70 && c[2] < 70;
}
bool isBlue(const std::vector<int>& c) {
  return c.size() == 3 && c[0] < 70 && c[1] < 70 && c[2] > 180;
}
std::string show(const std::vector<int>& c) {
  if (c.size() != 3) return "(no picture)";
  return "rgb(" + std::to_string(c[0]) + "," + std::to_string(c[1]) + "," + std::to_string(c[2]) +
         ")";
}

class ComposerTest : public ::testing::Test {
 protected:
  // ffmpeg makes the two clips once for the suite.
  static void SetUpTestSuite() {
    clipDir_ = new store::test::TempDirectory();
    red_ = new std::vector<PacketRing::Packet>(colourClip(clipDir_->path(), "red"));
    blue_ = new std::vector<PacketRing::Packet>(colourClip(clipDir_->path(), "blue"));
    blue9_ =
        new std::vector<PacketRing::Packet>(colourClip(clipDir_->path(), "blue", "libvpx-vp9"));
  }
  static void TearDownTestSuite() {
    delete red_;
    delete blue_;
    delete blue9_;
    delete clipDir_;
    red_ = blue_ = blue9_ = nullptr;
    clipDir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(red_->empty() || blue_->empty() || blue9_->empty())
        << "ffmpeg (make deps) could not make the clips";
  }

  // Called as the feed reaches each packet's arrival, on the timeline (ms from the first).
  using Hook = std::function<void(Composer&, std::int64_t atMs)>;

  // Composes `streams` (clips, as "red", "blue", ...) in manual mode, as a real-time composer
  // would have drawn them, into fragmented_; then finalizes it into final_.
  Composer::Result compose(const std::vector<const std::vector<PacketRing::Packet>*>& clips,
                           const Hook& hook = {}) {
    return compose(clips, std::vector<TrackFormat::Codec>(clips.size(), TrackFormat::Codec::Vp8),
                   hook);
  }
  // The same with each clip's video codec.
  Composer::Result compose(const std::vector<const std::vector<PacketRing::Packet>*>& clips,
                           const std::vector<TrackFormat::Codec>& codecs, const Hook& hook = {}) {
    const std::int64_t originMs = kFirstArrivalUs / 1000;
    std::string error;
    Composer::Outputs outputs;
    outputs.mp4Path = fragmented_.string();
    auto composer =
        Composer::createManual(outputs, settings(), compose::Layout::bestFit(), originMs, &error);
    EXPECT_TRUE(composer) << error;
    if (!composer) return {};
    for (std::size_t i = 0; i < clips.size(); ++i)
      writers_.push_back(composer->addStream(streamInfo(ids_[i], i), tracks(codecs[i]), {}));
    // Both clips have the same timing: merge them by arrival.
    std::vector<std::pair<std::size_t, const PacketRing::Packet*>> all;
    for (std::size_t i = 0; i < clips.size(); ++i)
      for (const auto& p : *clips[i]) all.emplace_back(i, &p);
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.second->arrivalUs < b.second->arrivalUs;
    });
    std::int64_t lastMs = originMs;
    for (const auto& [i, p] : all) {
      const std::int64_t atMs = p->arrivalUs / 1000;
      if (hook) hook(*composer, atMs - originMs);
      if (writers_[i]) writers_[i]->write(*p);
      if (atMs - lastMs >= 20) {
        composer->renderUntil(atMs - originMs - composer_settings_.playoutDelayMs);
        lastMs = atMs;
      }
    }
    for (auto& w : writers_)
      if (w) w->finish(0);
    composer->renderUntil(lastMs - originMs);
    Composer::Result result = composer->finishManual();
    std::int64_t durationMs = 0;
    EXPECT_TRUE(Mp4FileMuxer::finalize(fragmented_.string(), final_.string(), &durationMs, &error))
        << error;
    return result;
  }

  static store::test::TempDirectory* clipDir_;
  static std::vector<PacketRing::Packet>* red_;
  static std::vector<PacketRing::Packet>* blue_;
  static std::vector<PacketRing::Packet>* blue9_;  // VP9

  store::test::TempDirectory dir_;
  fs::path fragmented_ = dir_.path() / "composed.frag.mp4";
  fs::path final_ = dir_.path() / "composed.mp4";
  const std::vector<std::string> ids_ = {"red", "blue", "third"};
  const Composer::Settings composer_settings_ = settings();
  std::vector<std::unique_ptr<PacketWriter>> writers_;
};

store::test::TempDirectory* ComposerTest::clipDir_ = nullptr;
std::vector<PacketRing::Packet>* ComposerTest::red_ = nullptr;
std::vector<PacketRing::Packet>* ComposerTest::blue_ = nullptr;
std::vector<PacketRing::Packet>* ComposerTest::blue9_ = nullptr;

TEST_F(ComposerTest, TwoStreamsSideBySideInH264AndAac) {
  const Composer::Result r = compose({red_, blue_});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_GT(r.pictures, 0u);
  EXPECT_EQ(r.decodeErrors, 0u);
  EXPECT_GT(r.durationMs, (kClipSeconds - 1) * 1000);
  EXPECT_LT(r.durationMs, (kClipSeconds + 1) * 1000);

  const core::Json info = recordtest::probe(final_);
  EXPECT_GT(recordtest::framesOf(info, "h264"), kFps * (kClipSeconds - 1));
  EXPECT_GT(recordtest::framesOf(info, "aac"), 0);
  const core::Json* format = info.find("format");
  ASSERT_TRUE(format);
  const double seconds = std::atof(format->getString("duration").value_or("0").c_str());
  EXPECT_GT(seconds, kClipSeconds - 1.0);
  EXPECT_LT(seconds, kClipSeconds + 1.0);

  // bestFit: two side by side, each letterboxed in its half.
  const auto left = rgbAt(final_, kWidth / 4, kHeight / 2, 2.4);
  const auto right = rgbAt(final_, kWidth * 3 / 4, kHeight / 2, 2.4);
  EXPECT_TRUE(isRed(left)) << show(left);
  EXPECT_TRUE(isBlue(right)) << show(right);
}

TEST_F(ComposerTest, AVp9StreamIsDecodedBesideAVp8One) {
  const Composer::Result r =
      compose({red_, blue9_}, {TrackFormat::Codec::Vp8, TrackFormat::Codec::Vp9});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.decodeErrors, 0u);
  const auto left = rgbAt(final_, kWidth / 4, kHeight / 2, 2.4);
  const auto right = rgbAt(final_, kWidth * 3 / 4, kHeight / 2, 2.4);
  EXPECT_TRUE(isRed(left)) << show(left);
  EXPECT_TRUE(isBlue(right)) << show(right);
}

TEST_F(ComposerTest, ALayoutChangedMidwayChangesThePicture) {
  bool changed = false;
  const Composer::Result r = compose({red_, blue_}, [&](Composer& c, std::int64_t atMs) {
    if (!changed && atMs >= 1500) {
      c.setLayout(pip());
      changed = true;
    }
  });
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_TRUE(changed);
  // Before: side by side.
  EXPECT_TRUE(isBlue(rgbAt(final_, kWidth * 3 / 4, kHeight / 2, 0.6)));
  // After: the first full size, the second in the small box at the top right (128x96 at
  // 448,48 on 640x480).
  const auto big = rgbAt(final_, kWidth * 3 / 4, kHeight / 2, 2.4);
  const auto small = rgbAt(final_, 448 + 64, 48 + 48, 2.4);
  const auto besideSmall = rgbAt(final_, 448 - 20, 48 + 48, 2.4);
  const auto belowSmall = rgbAt(final_, 448 + 64, 48 + 96 + 20, 2.4);
  EXPECT_TRUE(isRed(big)) << show(big);
  EXPECT_TRUE(isBlue(small)) << show(small);
  EXPECT_TRUE(isRed(besideSmall)) << show(besideSmall);
  EXPECT_TRUE(isRed(belowSmall)) << show(belowSmall);
}

TEST_F(ComposerTest, AStreamWhoseVideoGoesOffLeavesTheCanvasToTheOther) {
  bool off = false;
  const Composer::Result r = compose({red_, blue_}, [&](Composer& c, std::int64_t atMs) {
    if (!off && atMs >= 1500) {
      c.setStreamVideo("blue", false);
      off = true;
    }
  });
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(isBlue(rgbAt(final_, kWidth * 3 / 4, kHeight / 2, 0.6)));
  // The red one alone, letterboxed on the whole canvas (same aspect: all of it).
  for (const auto& [x, y] : std::vector<std::pair<int, int>>{
           {kWidth / 4, kHeight / 2}, {kWidth * 3 / 4, kHeight / 2}, {20, 20}, {620, 460}}) {
    const auto c = rgbAt(final_, x, y, 2.4);
    EXPECT_TRUE(isRed(c)) << x << "," << y << ": " << show(c);
  }
}

TEST_F(ComposerTest, AStreamThatEndsLeavesTheComposition) {
  const Composer::Result r = compose({red_, blue_}, [&](Composer&, std::int64_t atMs) {
    // The recorder finishes the writer when the stream's ring closes.
    if (writers_[1] && atMs >= 1500) {
      writers_[1]->finish(0);
      writers_[1].reset();
    }
  });
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(isBlue(rgbAt(final_, kWidth * 3 / 4, kHeight / 2, 0.6)));
  for (const auto& [x, y] : std::vector<std::pair<int, int>>{
           {kWidth / 4, kHeight / 2}, {kWidth * 3 / 4, kHeight / 2}, {620, 460}}) {
    const auto c = rgbAt(final_, x, y, 2.4);
    EXPECT_TRUE(isRed(c)) << x << "," << y << ": " << show(c);
  }
}

// A VP8 keyframe (RFC 6386 §9.1) whose header claims 16000x16000, in one RTP packet; the
// bool-coded rest is zeros (every flag off), which a decoder reads as a valid header.
PacketRing::Packet hugeKeyframe(std::uint16_t sequence, std::uint32_t rtpTimestamp,
                                std::int64_t arrivalUs) {
  constexpr std::uint32_t kFirstPartition = 64;
  // Frame tag: bit 0 clear for a keyframe, version 0, show_frame, first partition's size.
  const std::uint32_t tag = 0x10 | (kFirstPartition << 5);
  std::vector<std::uint8_t> payload = {static_cast<std::uint8_t>(tag),
                                       static_cast<std::uint8_t>(tag >> 8),
                                       static_cast<std::uint8_t>(tag >> 16),
                                       0x9d,
                                       0x01,
                                       0x2a,  // start code
                                       0x80,
                                       0x3e,  // width 16000 (14 bits, no scaling), little-endian
                                       0x80,
                                       0x3e};  // height 16000
  payload.resize(payload.size() + kFirstPartition + 64, 0);
  auto bytes = recordtest::rtp(96, true, sequence, rtpTimestamp, 3333);
  bytes.push_back(0x10);  // VP8 payload descriptor: start of the frame
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  PacketRing::Packet p;
  p.arrivalUs = arrivalUs;
  p.track = 0;
  p.size = static_cast<std::uint32_t>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), p.bytes.begin());
  return p;
}

TEST_F(ComposerTest, AHugeKeyframeHeaderIsRefusedWithoutItsMemory) {
  // A publisher claiming 16000x16000 every 100 ms, alongside the red one.
  std::vector<PacketRing::Packet> hostile;
  for (int i = 0; i < kClipSeconds * 10; ++i)
    hostile.push_back(hugeKeyframe(static_cast<std::uint16_t>(i),
                                   static_cast<std::uint32_t>(i) * 9000,
                                   kFirstArrivalUs + std::int64_t{i} * 100000));
  test::AllocationCounter allocations;
  const Composer::Result r = compose({red_, &hostile});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_GT(r.decodeErrors, 0u) << "the keyframes reached the decoder, which refused them";
  if (test::AllocationCounter::available()) {
    // 16000x16000 in 4:2:0 would be 384 MB; the composition's own largest buffers (x264's,
    // the canvas) are a few MB at 640x480.
    EXPECT_LT(allocations.largestBytes(), std::size_t{64} << 20);
  }
  // The hostile stream never has a picture: the red one has the canvas to itself.
  for (const auto& [x, y] :
       std::vector<std::pair<int, int>>{{kWidth / 4, kHeight / 2}, {kWidth * 3 / 4, kHeight / 2}}) {
    const auto c = rgbAt(final_, x, y, 2.0);
    EXPECT_TRUE(isRed(c)) << x << "," << y << ": " << show(c);
  }
}

// The real-time composer on its own thread, fed by another (the recorder's) at the clip's
// pace while the control thread changes the layout: what ThreadSanitizer watches.
TEST_F(ComposerTest, ThreadedCompositionWhileTheControlThreadChangesIt) {
  std::mutex mutex;
  std::condition_variable finishedCv;
  std::optional<Composer::Result> finished;
  std::string error;
  auto composer = Composer::create(
      fragmented_.string(), settings(), compose::Layout::bestFit(),
      [&](const Composer::Result& r) {
        std::lock_guard<std::mutex> lock(mutex);
        finished = r;
        finishedCv.notify_all();
      },
      &error);
  ASSERT_TRUE(composer) << error;
  std::vector<std::unique_ptr<PacketWriter>> writers;
  writers.push_back(composer->addStream(streamInfo("red", 0), tracks(), {}));
  writers.push_back(composer->addStream(streamInfo("blue", 1), tracks(), [] {}));

  constexpr std::int64_t kFeedUs = 2000000;
  std::thread recorder([&] {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    std::size_t next[2] = {0, 0};
    const std::vector<PacketRing::Packet>* clips[2] = {red_, blue_};
    while (true) {
      // The earlier of the two streams' next packets.
      int which = -1;
      for (int i = 0; i < 2; ++i)
        if (next[i] < clips[i]->size() &&
            (*clips[i])[next[i]].arrivalUs - kFirstArrivalUs < kFeedUs &&
            (which < 0 || (*clips[i])[next[i]].arrivalUs < (*clips[which])[next[which]].arrivalUs))
          which = i;
      if (which < 0) break;
      PacketRing::Packet p = (*clips[which])[next[which]++];
      std::this_thread::sleep_until(start +
                                    std::chrono::microseconds(p.arrivalUs - kFirstArrivalUs));
      p.arrivalUs =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
              .count();
      writers[static_cast<std::size_t>(which)]->write(p);
    }
    for (auto& w : writers) w->finish(0);
  });
  // Meanwhile, what a session's control thread does.
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    composer->setLayout(i % 2 == 0 ? pip() : compose::Layout::bestFit());
    composer->setStreamClasses(
        "blue", i % 2 == 0 ? std::vector<std::string>{"full"} : std::vector<std::string>{});
    composer->setStreamVideo("red", i % 2 != 0);
  }
  recorder.join();
  composer->stop();
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(finishedCv.wait_for(lock, std::chrono::seconds(60), [&] {
      return finished.has_value();
    })) << "onFinished was not called";
  }
  composer->join();
  EXPECT_TRUE(finished->ok) << finished->error;
  EXPECT_GT(finished->pictures, 0u);
  std::int64_t durationMs = 0;
  ASSERT_TRUE(Mp4FileMuxer::finalize(fragmented_.string(), final_.string(), &durationMs, &error))
      << error;
  EXPECT_GT(durationMs, 0);
  EXPECT_GT(recordtest::framesOf(recordtest::probe(final_), "h264"), 0);
}

}  // namespace
}  // namespace parley::record
