#include "record/MediaFileWriter.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "RecordTestSupport.h"
#include "core/Json.h"
#include "record/MediaFileReader.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;

using recordtest::probe;

using MediaFileWriterTest = recordtest::ClipTest;

TEST_F(MediaFileWriterTest, RewritesRealVp8AndOpusIntoAPlayableWebm) {
  std::string error;
  auto reader = MediaFileReader::open(clip_.string(), &error);
  ASSERT_TRUE(reader) << error;
  ASSERT_EQ(reader->tracks().size(), 2u);
  auto tracks = reader->tracks();
  for (auto& t : tracks) {
    if (t.isVideo()) {
      EXPECT_EQ(t.codec, TrackFormat::Codec::Vp8);
      t.width = t.height = 0;  // as from RTP: the size comes from the first keyframe
    }
  }
  const fs::path out = dir_.path() / "out.webm";
  auto writer = MediaFileWriter::create(out.string(), tracks, &error);
  ASSERT_TRUE(writer) << error;
  int video = 0;
  int audio = 0;
  while (auto frame = reader->next()) {
    // Audio that comes before the first video keyframe waits for it (the header needs the
    // video's size), and is written then.
    ASSERT_TRUE(writer->write(frame->track, frame->ptsMs, frame->keyframe, frame->data, &error))
        << error;
    (tracks[frame->track].isVideo() ? video : audio)++;
  }
  ASSERT_TRUE(writer->finish(&error)) << error;
  EXPECT_EQ(video, 90);

  core::Json info = probe(out);
  const core::Json* streams = info.find("streams");
  ASSERT_TRUE(streams && streams->size() == 2) << info.dump();
  bool sawVideo = false;
  bool sawAudio = false;
  for (const auto& s : streams->items()) {
    if (s.getString("codec_name") == "vp8") {
      sawVideo = true;
      EXPECT_EQ(s.getInt("width"), 320);
      EXPECT_EQ(s.getInt("height"), 240);
      EXPECT_EQ(s.getString("nb_read_frames"), std::to_string(video)) << "every frame decodes";
    } else if (s.getString("codec_name") == "opus") {
      sawAudio = true;
      EXPECT_EQ(s.getInt("channels"), 2);
      EXPECT_EQ(s.getString("nb_read_frames"), std::to_string(audio));
    }
  }
  EXPECT_TRUE(sawVideo && sawAudio) << info.dump();
  const double duration =
      std::atof(info.find("format")->getString("duration").value_or("0").c_str());
  EXPECT_NEAR(duration, 3.0, 0.15);
}

TEST_F(MediaFileWriterTest, AFileCutOffMidRecordingPlaysUpToTheLastFrame) {
  // The recording process dies (as under kill -9) after writing 50 video frames: no
  // trailer, no index. What it wrote must decode, up to the last whole cluster (at most
  // half a second, 15 frames, is lost).
  std::string error;
  const fs::path out = dir_.path() / "cut.webm";
  ASSERT_TRUE(recordtest::writeCutOff(clip_, out, 50));
  core::Json info = probe(out);
  const core::Json* streams = info.find("streams");
  ASSERT_TRUE(streams && streams->size() >= 1) << info.dump();
  const int readable = std::atoi(streams->at(0).getString("nb_read_frames").value_or("0").c_str());
  EXPECT_GE(readable, 50 - 15) << info.dump();
  EXPECT_LE(readable, 50) << info.dump();
}

TEST_F(MediaFileWriterTest, VideoBeforeTheFirstKeyframeIsDroppedAndErrorsAreReported) {
  std::string error;
  EXPECT_FALSE(MediaFileWriter::create((dir_.path() / "no-such-dir" / "x.webm").string(),
                                       {TrackFormat{}}, &error));
  EXPECT_FALSE(error.empty());

  auto reader = MediaFileReader::open(clip_.string(), &error);
  ASSERT_TRUE(reader) << error;
  auto writer =
      MediaFileWriter::create((dir_.path() / "late.webm").string(), {reader->tracks()[0]}, &error);
  ASSERT_TRUE(writer) << error;
  int written = 0;
  int seen = 0;
  while (auto frame = reader->next()) {
    if (frame->track != 0) continue;
    if (++seen <= 5) continue;  // joined late: the first frames never arrive
    if (writer->write(0, frame->ptsMs, frame->keyframe, frame->data, &error)) ++written;
  }
  ASSERT_TRUE(writer->finish(&error)) << error;
  EXPECT_EQ(written, 60) << "from the keyframe at 1 s on";
  core::Json info = probe(dir_.path() / "late.webm");
  EXPECT_EQ(info.find("streams")->at(0).getString("nb_read_frames"), "60") << info.dump();
}

// A stream whose video never sent a keyframe still leaves its audio in a playable file
// (before: a file of zero bytes, the audio lost with the video).
TEST_F(MediaFileWriterTest, AudioThatWaitedForAKeyframeThatNeverCameIsStillWritten) {
  std::string error;
  auto reader = MediaFileReader::open(clip_.string(), &error);
  ASSERT_TRUE(reader) << error;
  auto tracks = reader->tracks();
  for (auto& t : tracks)
    if (t.isVideo()) t.width = t.height = 0;
  const fs::path out = dir_.path() / "no-keyframe.webm";
  auto writer = MediaFileWriter::create(out.string(), tracks, &error);
  ASSERT_TRUE(writer) << error;
  int audio = 0;
  while (auto frame = reader->next()) {
    if (tracks[frame->track].isVideo()) continue;  // the picture never comes
    ASSERT_TRUE(writer->write(frame->track, frame->ptsMs, frame->keyframe, frame->data, &error))
        << error;
    ++audio;
  }
  ASSERT_TRUE(writer->finish(&error)) << error;
  ASSERT_GT(audio, 100);
  EXPECT_EQ(recordtest::framesOf(probe(out), "opus"), audio) << probe(out).dump();
}

}  // namespace
}  // namespace parley::record
