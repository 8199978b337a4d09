#include "record/CompositionEncoder.h"
#include "record/Mp4FileMuxer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "../store/TempDirectory.h"
#include "RecordTestSupport.h"
#include "core/Json.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;

using recordtest::rgbAt;
using recordtest::runCommand;

constexpr int kWidth = 640;
constexpr int kHeight = 480;
constexpr int kFps = 25;
constexpr int kSeconds = 2;

// Left half red, right half blue, and a white square that moves along the middle (so that
// every picture carries some data, not only the first).
Picture pictureAt(int frame) {
  Picture p(kWidth, kHeight, Picture::fromRgb(255, 0, 0));
  p.fillRect(kWidth / 2, 0, kWidth / 2, kHeight, Picture::fromRgb(0, 0, 255));
  p.fillRect((frame * 12) % (kWidth - 40), 20, 40, 40, Picture::fromRgb(255, 255, 255));
  return p;
}

// Writes kSeconds of pictures and a 440 Hz tone to `path` (fragmented MP4).
::testing::AssertionResult writeClip(const fs::path& path) {
  std::string error;
  CompositionEncoder::Settings settings;
  settings.width = kWidth;
  settings.height = kHeight;
  settings.framesPerSecond = kFps;
  auto writer = CompositionEncoder::create(path.string(), settings, &error);
  if (!writer) return ::testing::AssertionFailure() << "create: " << error;
  constexpr int kChunk = 960;  // 20 ms of 48 kHz
  std::int64_t samples = 0;
  for (int frame = 0; frame < kFps * kSeconds; ++frame) {
    const std::int64_t ptsMs = frame * 1000 / kFps;
    if (!writer->writeVideo(pictureAt(frame), ptsMs, &error))
      return ::testing::AssertionFailure() << "writeVideo " << frame << ": " << error;
    // Audio up to the end of this picture.
    const std::int64_t until = (frame + 1) * CompositionEncoder::kAudioSampleRate / kFps;
    while (samples < until) {
      std::vector<float> chunk;
      for (int i = 0; i < kChunk; ++i) {
        const float v = 0.5f * static_cast<float>(std::sin(2 * M_PI * 440.0 * (samples + i) /
                                                           CompositionEncoder::kAudioSampleRate));
        chunk.push_back(v);
        chunk.push_back(v);
      }
      if (!writer->writeAudio(chunk, &error))
        return ::testing::AssertionFailure() << "writeAudio: " << error;
      samples += kChunk;
    }
  }
  if (!writer->finish(&error)) return ::testing::AssertionFailure() << "finish: " << error;
  if (writer->videoFrames() != static_cast<std::uint64_t>(kFps * kSeconds))
    return ::testing::AssertionFailure() << "videoFrames " << writer->videoFrames();
  if (writer->audioSamples() < static_cast<std::uint64_t>(samples) - 1024)
    return ::testing::AssertionFailure() << "audioSamples " << writer->audioSamples();
  return ::testing::AssertionSuccess();
}

struct Probe {
  bool h264 = false;
  bool aac = false;
  int width = 0;
  int height = 0;
  int videoFrames = -1;
  double duration = 0;
};

Probe probe(const fs::path& file) {
  Probe p;
  core::Json info = recordtest::probe(file);
  if (const core::Json* streams = info.find("streams"))
    for (const auto& s : streams->items()) {
      if (s.getString("codec_name") == "h264") {
        p.h264 = true;
        p.width = static_cast<int>(s.getInt("width").value_or(0));
        p.height = static_cast<int>(s.getInt("height").value_or(0));
      }
      if (s.getString("codec_name") == "aac") p.aac = true;
    }
  p.videoFrames = recordtest::framesOf(info, "h264");
  if (const core::Json* format = info.find("format"))
    p.duration = std::atof(format->getString("duration").value_or("0").c_str());
  return p;
}

// Per stream: how many packets the file holds and how many of them decode.
std::map<std::string, std::pair<int, int>> packetsAndFrames(const fs::path& file) {
  std::map<std::string, std::pair<int, int>> out;
  auto json =
      core::Json::parse(runCommand("ffprobe -v quiet -count_packets -count_frames -show_entries "
                                   "stream=codec_name,nb_read_packets,nb_read_frames -of json '" +
                                   file.string() + "'"));
  if (!json) return out;
  if (const core::Json* streams = json->find("streams"))
    for (const auto& s : streams->items())
      out[s.getString("codec_name").value_or("?")] = {
          std::atoi(s.getString("nb_read_packets").value_or("-1").c_str()),
          std::atoi(s.getString("nb_read_frames").value_or("-1").c_str())};
  return out;
}

// Byte offset of the first box named `type` at the top level of an MP4, or -1.
long topLevelBox(const fs::path& file, const std::string& type) {
  std::ifstream in(file, std::ios::binary);
  long offset = 0;
  unsigned char header[8];
  while (in.read(reinterpret_cast<char*>(header), 8)) {
    std::uint64_t size =
        (std::uint64_t{header[0]} << 24) | (header[1] << 16) | (header[2] << 8) | header[3];
    if (std::string(reinterpret_cast<char*>(header) + 4, 4) == type) return offset;
    if (size == 1) {
      unsigned char large[8];
      if (!in.read(reinterpret_cast<char*>(large), 8)) return -1;
      size = 0;
      for (unsigned char c : large) size = (size << 8) | c;
    }
    if (size < 8) return -1;
    offset += static_cast<long>(size);
    in.seekg(offset);
  }
  return -1;
}

class CompositionEncoderTest : public ::testing::Test {
 protected:
  store::test::TempDirectory dir_;
  fs::path fragmented_ = dir_.path() / "composed.frag.mp4";
  fs::path final_ = dir_.path() / "archive.mp4";
};

TEST_F(CompositionEncoderTest, WritesH264AndAacThatFinalizeTurnsIntoAFastStartMp4) {
  ASSERT_TRUE(writeClip(fragmented_));
  Probe raw = probe(fragmented_);
  EXPECT_TRUE(raw.h264 && raw.aac) << "the fragmented file plays as it is";
  EXPECT_GE(topLevelBox(fragmented_, "moof"), 0) << "fragmented";

  std::string error;
  std::int64_t durationMs = 0;
  ASSERT_TRUE(Mp4FileMuxer::finalize(fragmented_.string(), final_.string(), &durationMs, &error))
      << error;
  EXPECT_GT(durationMs, 1800);
  EXPECT_LT(durationMs, 2400);
  EXPECT_FALSE(fs::exists(final_.string() + ".partial"));

  Probe p = probe(final_);
  EXPECT_TRUE(p.h264);
  EXPECT_TRUE(p.aac);
  EXPECT_EQ(p.width, kWidth);
  EXPECT_EQ(p.height, kHeight);
  EXPECT_EQ(p.videoFrames, kFps * kSeconds) << "every picture decodes";
  EXPECT_GT(p.duration, 1.7);
  EXPECT_LT(p.duration, 2.5);
  const long moov = topLevelBox(final_, "moov");
  const long mdat = topLevelBox(final_, "mdat");
  ASSERT_GE(moov, 0);
  ASSERT_GE(mdat, 0);
  EXPECT_LT(moov, mdat) << "the index comes first (faststart)";
  EXPECT_LT(topLevelBox(final_, "moof"), 0) << "no longer fragmented";
}

TEST_F(CompositionEncoderTest, ColoursComeOutWhereTheyWereDrawn) {
  ASSERT_TRUE(writeClip(fragmented_));
  std::string error;
  std::int64_t durationMs = 0;
  ASSERT_TRUE(Mp4FileMuxer::finalize(fragmented_.string(), final_.string(), &durationMs, &error))
      << error;
  auto left = rgbAt(final_, 100, 240);
  ASSERT_EQ(left.size(), 3u) << "ffmpeg could not decode a picture";
  EXPECT_GT(left[0], 200);
  EXPECT_LT(left[1], 50);
  EXPECT_LT(left[2], 50);
  auto right = rgbAt(final_, 500, 240);
  ASSERT_EQ(right.size(), 3u);
  EXPECT_LT(right[0], 50);
  EXPECT_LT(right[1], 50);
  EXPECT_GT(right[2], 200);
  auto square = rgbAt(final_, 20, 40);  // the white square of the first picture
  ASSERT_EQ(square.size(), 3u);
  EXPECT_GT(square[0], 200);
  EXPECT_GT(square[1], 200);
  EXPECT_GT(square[2], 200);
}

TEST_F(CompositionEncoderTest, FinalizeKeepsWhatACutOffFileHolds) {
  ASSERT_TRUE(writeClip(fragmented_));
  std::string error;
  std::int64_t fullMs = 0;
  ASSERT_TRUE(Mp4FileMuxer::finalize(fragmented_.string(), final_.string(), &fullMs, &error))
      << error;
  // As if the process died half way through writing.
  const fs::path cut = dir_.path() / "cut.frag.mp4";
  fs::copy_file(fragmented_, cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  const fs::path out = dir_.path() / "cut.mp4";
  std::int64_t cutMs = 0;
  ASSERT_TRUE(Mp4FileMuxer::finalize(cut.string(), out.string(), &cutMs, &error)) << error;
  EXPECT_GT(cutMs, 0);
  EXPECT_LT(cutMs, fullMs);
  Probe p = probe(out);
  EXPECT_TRUE(p.h264);
  EXPECT_GT(p.videoFrames, 0) << "what was kept decodes";
  EXPECT_LT(p.videoFrames, kFps * kSeconds);
  EXPECT_GT(p.duration, 0.0);
  EXPECT_LT(p.duration, probe(final_).duration);
  // The packet the cut went through is left out: every packet kept decodes.
  auto counts = packetsAndFrames(out);
  ASSERT_EQ(counts.size(), 2u);
  for (const auto& [codec, pf] : counts) {
    EXPECT_GT(pf.first, 0) << codec;
    EXPECT_EQ(pf.first, pf.second) << codec << ": packets vs decoded frames";
  }
}

TEST_F(CompositionEncoderTest, FinalizeRefusesEmptyAndGarbageFiles) {
  const fs::path empty = dir_.path() / "empty.mp4";
  std::ofstream(empty, std::ios::binary).flush();
  const fs::path garbage = dir_.path() / "garbage.mp4";
  {
    std::mt19937 random(7);
    std::string bytes(20000, '\0');
    for (auto& c : bytes) c = static_cast<char>(random());
    std::ofstream(garbage, std::ios::binary) << bytes;
  }
  for (const fs::path& in : {empty, garbage, dir_.path() / "missing.mp4"}) {
    std::string error;
    std::int64_t durationMs = -7;
    EXPECT_FALSE(Mp4FileMuxer::finalize(in.string(), final_.string(), &durationMs, &error)) << in;
    EXPECT_FALSE(error.empty()) << in;
    EXPECT_FALSE(fs::exists(final_)) << in;
    EXPECT_FALSE(fs::exists(final_.string() + ".partial")) << in;
  }
}

TEST_F(CompositionEncoderTest, AudioOnly) {
  std::string error;
  CompositionEncoder::Settings settings;
  settings.hasVideo = false;
  {
    auto writer = CompositionEncoder::create(fragmented_.string(), settings, &error);
    ASSERT_TRUE(writer) << error;
    EXPECT_FALSE(writer->writeVideo(Picture(640, 480), 0, &error)) << "no video track";
    std::vector<float> second(2 * CompositionEncoder::kAudioSampleRate);
    for (std::size_t i = 0; i < second.size(); ++i)
      second[i] = 0.3f * static_cast<float>(std::sin(2 * M_PI * 440.0 * static_cast<double>(i / 2) /
                                                     CompositionEncoder::kAudioSampleRate));
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(writer->writeAudio(second, &error)) << error;
    ASSERT_TRUE(writer->finish(&error)) << error;
  }
  std::int64_t durationMs = 0;
  ASSERT_TRUE(Mp4FileMuxer::finalize(fragmented_.string(), final_.string(), &durationMs, &error))
      << error;
  EXPECT_GT(durationMs, 1800);
  EXPECT_LT(durationMs, 2300);
  Probe p = probe(final_);
  EXPECT_TRUE(p.aac);
  EXPECT_FALSE(p.h264);
  EXPECT_GT(p.duration, 1.8);
  EXPECT_LT(p.duration, 2.3);
}

TEST_F(CompositionEncoderTest, CreateFailsCleanlyWhereNoFileCanBeMade) {
  std::string error;
  auto writer = CompositionEncoder::create((dir_.path() / "no" / "such" / "dir.mp4").string(),
                                           CompositionEncoder::Settings{}, &error);
  EXPECT_FALSE(writer);
  EXPECT_FALSE(error.empty());
  std::int64_t durationMs = 0;
  EXPECT_FALSE(Mp4FileMuxer::finalize(
      fragmented_.string(), (dir_.path() / "no" / "out.mp4").string(), &durationMs, &error));
}

TEST_F(CompositionEncoderTest, RefusesPicturesOfTheWrongSizeAndWritesAfterFinish) {
  std::string error;
  CompositionEncoder::Settings settings;
  settings.hasAudio = false;
  auto writer = CompositionEncoder::create(fragmented_.string(), settings, &error);
  ASSERT_TRUE(writer) << error;
  EXPECT_FALSE(writer->writeVideo(Picture(320, 240), 0, &error));
  EXPECT_FALSE(error.empty());
  EXPECT_TRUE(writer->writeVideo(Picture(640, 480), 0, &error)) << error;
  EXPECT_TRUE(writer->writeVideo(Picture(640, 480), 0, &error)) << "same time: one kept";
  EXPECT_EQ(writer->videoFrames(), 1u);
  std::vector<float> audio(2048, 0.0f);
  EXPECT_FALSE(writer->writeAudio(audio, &error)) << "no audio track";
  EXPECT_TRUE(writer->finish(&error)) << error;
  EXPECT_TRUE(writer->finish(&error)) << "idempotent";
  EXPECT_FALSE(writer->writeVideo(Picture(640, 480), 100, &error));
  CompositionEncoder::Settings nothing;
  nothing.hasAudio = nothing.hasVideo = false;
  EXPECT_FALSE(CompositionEncoder::create((dir_.path() / "none.mp4").string(), nothing, &error));
}

}  // namespace
}  // namespace parley::record
