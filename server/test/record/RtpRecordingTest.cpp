// RTP as a publisher sends it, rebuilt into a file: real VP8 and Opus frames (from an
// ffmpeg-made clip) are packetized (RFC 7741 for VP8), reordered and thinned as a network
// would, put back in order by ReorderBuffer, rebuilt by FrameAssembler, placed on the
// timeline by RtpTimeline and written by MediaFileWriter; ffprobe then decodes the result.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "RecordTestSupport.h"
#include "record/FrameAssembler.h"
#include "record/MediaFileReader.h"
#include "record/MediaFileWriter.h"
#include "record/ReorderBuffer.h"
#include "record/RtpTimeline.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;

using recordtest::packetize;
using recordtest::RtpPacketOut;

class RtpRecordingTest : public recordtest::ClipTest {
 protected:
  // Sends `packets` through the recorder's chain into `file`; returns frames written per
  // track. `wantedKeyframe` is set when the video assembler asked for a keyframe after the
  // start.
  std::vector<int> record(const std::vector<RtpPacketOut>& packets, const fs::path& file,
                          bool* wantedKeyframe) {
    std::string error;
    auto reader = MediaFileReader::open(clip_.string(), &error);
    EXPECT_TRUE(reader) << error;
    std::vector<TrackFormat> formats = reader->tracks();
    for (auto& f : formats)
      if (f.isVideo()) f.width = f.height = 0;  // RTP does not say
    auto writer = MediaFileWriter::create(file.string(), formats, &error);
    EXPECT_TRUE(writer) << error;
    std::vector<ReorderBuffer> buffers(formats.size(), ReorderBuffer({}));
    std::vector<FrameAssembler> assemblers;
    std::vector<RtpTimeline> timelines;
    for (const auto& f : formats) {
      assemblers.emplace_back(f.codec);
      timelines.emplace_back(f.isVideo() ? 90000 : 48000, 0);
    }
    std::vector<int> written(formats.size(), 0);
    bool sawFirstFrame = false;
    std::int64_t now = 0;
    auto drain = [&](std::size_t t, std::int64_t at) {
      while (auto p = buffers[t].pop(at)) {
        auto frame = assemblers[t].push(p->bytes, p->afterLoss);
        if (formats[t].isVideo() && sawFirstFrame && assemblers[t].keyframeWanted())
          *wantedKeyframe = true;
        if (!frame) continue;
        if (formats[t].isVideo()) sawFirstFrame = true;
        if (writer->write(t, timelines[t].toMs(frame->rtpTimestamp), frame->keyframe, frame->data,
                          &error))
          ++written[t];
        EXPECT_TRUE(error.empty()) << error;
      }
    };
    for (const auto& p : packets) {
      now += 1;
      buffers[p.track].push(p.sequence, p.bytes, now);
      drain(p.track, now);
    }
    for (std::size_t t = 0; t < formats.size(); ++t) drain(t, now + 10000);
    EXPECT_TRUE(writer->finish(&error)) << error;
    return written;
  }
};

TEST_F(RtpRecordingTest, ReorderedPacketsMakeTheSameFramesAsSent) {
  std::string error;
  auto reader = MediaFileReader::open(clip_.string(), &error);
  ASSERT_TRUE(reader) << error;
  int videoFrames = 0;
  auto packets = packetize(*reader, &videoFrames);
  ASSERT_EQ(videoFrames, 90);
  // The network swaps neighbours: shuffle within windows of 6 packets, and repeat some.
  std::mt19937 random(7);
  for (std::size_t i = 0; i + 6 <= packets.size(); i += 6)
    std::shuffle(packets.begin() + static_cast<std::ptrdiff_t>(i),
                 packets.begin() + static_cast<std::ptrdiff_t>(i + 6), random);
  for (std::size_t i = 0; i < packets.size(); i += 50) packets.push_back(packets[i]);

  bool wantedKeyframe = false;
  const fs::path out = dir_.path() / "reordered.webm";
  auto written = record(packets, out, &wantedKeyframe);
  EXPECT_FALSE(wantedKeyframe) << "nothing was lost";
  const core::Json info = recordtest::probe(out);
  EXPECT_EQ(written[0], 90);
  EXPECT_EQ(recordtest::framesOf(info, "vp8"), 90) << info.dump();
  EXPECT_GT(written[1], 140);  // 20 ms Opus frames: about 150
  EXPECT_EQ(recordtest::framesOf(info, "opus"), written[1]) << info.dump();
  const double duration =
      std::atof(info.find("format")->getString("duration").value_or("0").c_str());
  EXPECT_NEAR(duration, 3.0, 0.15);
}

TEST_F(RtpRecordingTest, Vp9IsRecordedWithItsPictureSizeFromTheFirstKeyframe) {
  // record() opens clip_ for the tracks: a VP9 clip in its place.
  recordtest::ClipOptions options;
  options.videoCodec = "libvpx-vp9";
  options.realtimeEncoder = true;
  ASSERT_TRUE(recordtest::makeClip(clip_, options));
  std::string error;
  auto reader = MediaFileReader::open(clip_.string(), &error);
  ASSERT_TRUE(reader) << error;
  ASSERT_EQ(reader->tracks()[0].codec, TrackFormat::Codec::Vp9);
  int videoFrames = 0;
  const auto packets = packetize(*reader, &videoFrames);
  ASSERT_EQ(videoFrames, 90);
  bool wantedKeyframe = false;
  const fs::path out = dir_.path() / "vp9.webm";
  const auto written = record(packets, out, &wantedKeyframe);
  EXPECT_EQ(written[0], 90);
  const core::Json info = recordtest::probe(out);
  EXPECT_EQ(recordtest::framesOf(info, "vp9"), 90) << info.dump();
  const std::string dump = info.dump();
  EXPECT_NE(dump.find("\"width\":320"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\"height\":240"), std::string::npos) << dump;
}

TEST_F(RtpRecordingTest, ALostPacketCostsFramesUntilTheNextKeyframeNeverACorruptOne) {
  std::string error;
  auto reader = MediaFileReader::open(clip_.string(), &error);
  ASSERT_TRUE(reader) << error;
  int videoFrames = 0;
  auto packets = packetize(*reader, &videoFrames);
  // The first packet of video frame 40 (a delta frame; keyframes are 0, 30, 60) never
  // arrives, nor its retransmission.
  auto lost = std::find_if(packets.begin(), packets.end(),
                           [](const RtpPacketOut& p) { return p.frameIndex == 40; });
  ASSERT_NE(lost, packets.end());
  packets.erase(lost);

  bool wantedKeyframe = false;
  const fs::path out = dir_.path() / "lossy.webm";
  auto written = record(packets, out, &wantedKeyframe);
  EXPECT_TRUE(wantedKeyframe) << "the loss asked for a keyframe";
  // Frames 40..59 cannot be decoded without the lost packet: none is written.
  EXPECT_EQ(written[0], 90 - 20);
  const core::Json info = recordtest::probe(out);
  EXPECT_EQ(recordtest::framesOf(info, "vp8"), written[0]) << "every written frame decodes";
}

}  // namespace
}  // namespace parley::record
