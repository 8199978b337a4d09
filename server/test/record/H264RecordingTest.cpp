// H.264 recorded as an individual archive records it: a real libx264 clip (H264Clip.h) is
// written by MediaFileWriter into Matroska directly, and sent as RTP (RFC 6184) through
// ReorderBuffer, FrameAssembler and StreamFileWriter; MediaFileReader and ffprobe then
// read the file back: codec, cropped picture size, every frame, keyframes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "H264Clip.h"
#include "RecordTestSupport.h"
#include "record/FrameAssembler.h"
#include "record/MediaFileReader.h"
#include "record/MediaFileWriter.h"
#include "record/PacketRing.h"
#include "record/ReorderBuffer.h"
#include "record/RtpTimeline.h"
#include "record/StreamFileWriter.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;

using recordtest::RtpPacketOut;

class H264RecordingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(recordtest::makeH264Clip(clip_)) << "ffmpeg with libx264 could not make the clip";
    std::string error;
    auto reader = MediaFileReader::open(clip_.string(), &error);
    ASSERT_TRUE(reader) << error;
    ASSERT_EQ(reader->tracks().size(), 1u);
    ASSERT_EQ(reader->tracks()[0].codec, TrackFormat::Codec::H264);
    int frames = 0;
    packets_ = recordtest::packetizeH264(*reader, &frames, &fragments_);
    ASSERT_EQ(frames, 90);
    ASSERT_GT(fragments_, 3) << "the keyframes at least are fragmented";
  }

  struct ReadBack {
    TrackFormat format;
    int frames = 0;
    std::vector<int> keyframes;  // indices
  };
  static ReadBack readBack(const fs::path& file) {
    ReadBack r;
    std::string error;
    auto reader = MediaFileReader::open(file.string(), &error);
    EXPECT_TRUE(reader) << error;
    if (!reader) return r;
    EXPECT_EQ(reader->tracks().size(), 1u);
    r.format = reader->tracks()[0];
    while (auto frame = reader->next()) {
      if (frame->keyframe) r.keyframes.push_back(r.frames);
      ++r.frames;
    }
    return r;
  }

  // The clip's RTP through the recorder's chain (as RtpRecordingTest does for VP8).
  int recordRtp(const std::vector<RtpPacketOut>& packets, const fs::path& file,
                bool* wantedKeyframe) {
    std::string error;
    auto writer =
        MediaFileWriter::create(file.string(), {TrackFormat{TrackFormat::Codec::H264}}, &error);
    EXPECT_TRUE(writer) << error;
    if (!writer) return -1;
    ReorderBuffer buffer({});
    FrameAssembler assembler(TrackFormat::Codec::H264);
    RtpTimeline timeline(90000, 0);
    int written = 0;
    bool started = false;
    auto drain = [&](std::int64_t at) {
      while (auto p = buffer.pop(at)) {
        auto frame = assembler.push(p->bytes, p->afterLoss);
        if (started && assembler.keyframeWanted()) *wantedKeyframe = true;
        if (!frame) continue;
        started = true;
        if (writer->write(0, timeline.toMs(frame->rtpTimestamp), frame->keyframe, frame->data,
                          &error))
          ++written;
        EXPECT_TRUE(error.empty()) << error;
      }
    };
    std::int64_t now = 0;
    for (const auto& p : packets) {
      buffer.push(p.sequence, p.bytes, ++now);
      drain(now);
    }
    drain(now + 10000);
    EXPECT_TRUE(writer->finish(&error)) << error;
    return written;
  }

  store::test::TempDirectory dir_;
  fs::path clip_ = dir_.path() / "clip.ts";
  std::vector<RtpPacketOut> packets_;
  int fragments_ = 0;
};

TEST_F(H264RecordingTest, MediaFileWriterTakesTheSizeAndParameterSetsFromTheFirstKeyframe) {
  std::string error;
  auto reader = MediaFileReader::open(clip_.string(), &error);
  ASSERT_TRUE(reader) << error;
  // As from RTP: the size is not known; it comes from the SPS.
  const fs::path out = dir_.path() / "direct.mkv";
  auto writer =
      MediaFileWriter::create(out.string(), {TrackFormat{TrackFormat::Codec::H264}}, &error);
  ASSERT_TRUE(writer) << error;
  int frames = 0;
  while (auto frame = reader->next()) {
    ASSERT_TRUE(writer->write(0, frame->ptsMs - 1400, frame->keyframe, frame->data, &error))
        << error;
    ++frames;
  }
  ASSERT_TRUE(writer->finish(&error)) << error;
  ASSERT_EQ(frames, 90);

  const ReadBack back = readBack(out);
  EXPECT_EQ(back.format.codec, TrackFormat::Codec::H264);
  EXPECT_EQ(back.format.width, 322);
  EXPECT_EQ(back.format.height, 242);
  EXPECT_EQ(back.frames, 90);
  EXPECT_EQ(back.keyframes, (std::vector<int>{0, 30, 60}));
  const core::Json info = recordtest::probe(out);
  EXPECT_EQ(recordtest::framesOf(info, "h264"), 90) << "every frame decodes: " << info.dump();
}

TEST_F(H264RecordingTest, ReorderedRtpMakesTheSameFramesAsSent) {
  auto packets = packets_;
  std::mt19937 random(11);
  for (std::size_t i = 0; i + 6 <= packets.size(); i += 6)
    std::shuffle(packets.begin() + static_cast<std::ptrdiff_t>(i),
                 packets.begin() + static_cast<std::ptrdiff_t>(i + 6), random);
  for (std::size_t i = 0; i < packets.size(); i += 40) packets.push_back(packets[i]);
  bool wantedKeyframe = false;
  const fs::path out = dir_.path() / "reordered.mkv";
  EXPECT_EQ(recordRtp(packets, out, &wantedKeyframe), 90);
  EXPECT_FALSE(wantedKeyframe) << "nothing was lost";
  const ReadBack back = readBack(out);
  EXPECT_EQ(back.format.width, 322);
  EXPECT_EQ(back.format.height, 242);
  EXPECT_EQ(back.frames, 90);
  EXPECT_EQ(back.keyframes, (std::vector<int>{0, 30, 60}));
  const core::Json info = recordtest::probe(out);
  EXPECT_EQ(recordtest::framesOf(info, "h264"), 90) << info.dump();
  ASSERT_TRUE(info.find("format")) << info.dump();
  const double duration =
      std::atof(info.find("format")->getString("duration").value_or("0").c_str());
  EXPECT_NEAR(duration, 3.0, 0.15);
}

TEST_F(H264RecordingTest, ALostFragmentCostsFramesUntilTheNextIdrNeverACorruptOne) {
  // A middle fragment of the second IDR (frame 30) never arrives: frames 30..59 cannot be
  // decoded without it.
  auto packets = packets_;
  std::vector<std::size_t> ofFrame30;
  for (std::size_t i = 0; i < packets.size(); ++i)
    if (packets[i].frameIndex == 30 && packets[i].bytes[12] == 0x7c /* FU-A of NRI 3 */ &&
        (packets[i].bytes[13] & 0xC0) == 0)
      ofFrame30.push_back(i);
  ASSERT_FALSE(ofFrame30.empty()) << "the IDR has a middle fragment";
  packets.erase(packets.begin() + static_cast<std::ptrdiff_t>(ofFrame30.front()));
  bool wantedKeyframe = false;
  const fs::path out = dir_.path() / "lossy.mkv";
  EXPECT_EQ(recordRtp(packets, out, &wantedKeyframe), 60);
  EXPECT_TRUE(wantedKeyframe);
  const ReadBack back = readBack(out);
  EXPECT_EQ(back.frames, 60);
  EXPECT_EQ(back.keyframes, (std::vector<int>{0, 30}));
  const core::Json info = recordtest::probe(out);
  EXPECT_EQ(recordtest::framesOf(info, "h264"), 60) << "every written frame decodes";
}

TEST_F(H264RecordingTest, StreamFileWriterRecordsAnH264StreamIntoMatroska) {
  std::string error;
  StreamFileWriter::Result result;
  bool finished = false;
  const fs::path out = dir_.path() / "stream.mkv";
  auto writer = StreamFileWriter::create(
      out.string(), {{TrackFormat{TrackFormat::Codec::H264}, 90000}}, 0, [] {},
      [&](const StreamFileWriter::Result& r) {
        result = r;
        finished = true;
      },
      &error);
  ASSERT_TRUE(writer) << error;
  auto packet = std::make_unique<PacketRing::Packet>();
  for (const auto& p : packets_) {
    ASSERT_LE(p.bytes.size(), packet->bytes.size());
    std::copy(p.bytes.begin(), p.bytes.end(), packet->bytes.begin());
    packet->size = static_cast<std::uint32_t>(p.bytes.size());
    packet->track = 0;
    packet->arrivalUs = recordtest::capturedUs(p);
    writer->write(*packet);
  }
  writer->finish(0);
  ASSERT_TRUE(finished);
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.framesWritten, 90u);
  const ReadBack back = readBack(out);
  EXPECT_EQ(back.format.codec, TrackFormat::Codec::H264);
  EXPECT_EQ(back.format.width, 322);
  EXPECT_EQ(back.format.height, 242);
  EXPECT_EQ(back.frames, 90);
  EXPECT_EQ(recordtest::framesOf(recordtest::probe(out), "h264"), 90);
}

TEST_F(H264RecordingTest, AnH264TrackWithoutKeyframeStillLetsTheAudioBeWritten) {
  // The publisher's video never sends an IDR: finish() writes the header under a nominal
  // size, without codec private data, and the audio that waited.
  std::string error;
  const fs::path out = dir_.path() / "audio-only.mkv";
  auto writer = MediaFileWriter::create(
      out.string(), {TrackFormat{TrackFormat::Codec::H264}, TrackFormat{TrackFormat::Codec::Opus}},
      &error);
  ASSERT_TRUE(writer) << error;
  // A 20 ms Opus packet (TOC 0xf8: CELT fullband, 20 ms, mono, one frame); its content does
  // not matter to the container.
  const std::vector<std::uint8_t> opus = {0xf8, 0xff, 0xfe};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer->write(1, i * 20, true, opus, &error)) << error;
  EXPECT_TRUE(writer->finish(&error)) << error;
  EXPECT_EQ(writer->framesWritten(), 10u);
  auto reader = MediaFileReader::open(out.string(), &error);
  ASSERT_TRUE(reader) << error;
  ASSERT_EQ(reader->tracks().size(), 2u);
  EXPECT_EQ(reader->tracks()[0].codec, TrackFormat::Codec::H264);
  EXPECT_EQ(reader->tracks()[0].width, MediaFileWriter::kNominalWidth);
  int audio = 0;
  while (auto frame = reader->next()) audio += frame->track == 1;
  EXPECT_EQ(audio, 10);
}

}  // namespace
}  // namespace parley::record
