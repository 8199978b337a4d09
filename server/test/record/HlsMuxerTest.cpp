#include "record/HlsMuxer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../store/TempDirectory.h"
#include "MediaCheck.h"
#include "record/CompositionEncoder.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;
using mediacheck::ClipFeeder;

struct Playlist {
  bool exists = false;
  int targetDuration = -1;
  int mediaSequence = 0;
  bool event = false;
  bool ended = false;
  std::vector<double> durations;      // EXTINF, in order
  std::vector<std::string> segments;  // the URIs, in order
};

Playlist readPlaylist(const fs::path& file) {
  Playlist p;
  std::ifstream in(file);
  p.exists = static_cast<bool>(in);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("#EXT-X-TARGETDURATION:", 0) == 0) {
      p.targetDuration = std::atoi(line.c_str() + 22);
    } else if (line.rfind("#EXT-X-MEDIA-SEQUENCE:", 0) == 0) {
      p.mediaSequence = std::atoi(line.c_str() + 22);
    } else if (line == "#EXT-X-PLAYLIST-TYPE:EVENT") {
      p.event = true;
    } else if (line == "#EXT-X-ENDLIST") {
      p.ended = true;
    } else if (line.rfind("#EXTINF:", 0) == 0) {
      p.durations.push_back(std::atof(line.c_str() + 8));
    } else if (!line.empty() && line[0] != '#') {
      p.segments.push_back(line);
    }
  }
  return p;
}

// The segment files in `dir`, by name (segmentNNNNN.ts, so in order), and anything else that
// is neither a segment nor the playlist.
void listDirectory(const fs::path& dir, std::vector<std::string>* segments,
                   std::vector<std::string>* others) {
  static const std::regex kSegment("segment[0-9]{5}\\.ts");
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, kSegment))
      segments->push_back(name);
    else if (name != HlsMuxer::kPlaylistName)
      others->push_back(name);
  }
  std::sort(segments->begin(), segments->end());
}

class HlsMuxerTest : public ::testing::Test {
 protected:
  std::unique_ptr<CompositionEncoder> open(HlsMuxer::Settings settings) {
    std::vector<std::unique_ptr<PacketMuxer>> muxers;
    muxers.push_back(std::make_unique<HlsMuxer>(std::move(settings)));
    std::string error;
    auto encoder =
        CompositionEncoder::create(mediacheck::clipSettings(), std::move(muxers), &error);
    EXPECT_TRUE(encoder) << error;
    return encoder;
  }
  // Every listed segment is a file in the directory.
  void expectListedSegmentsExist(const Playlist& p) {
    ASSERT_EQ(p.segments.size(), p.durations.size()) << "one EXTINF per segment";
    for (const auto& s : p.segments) EXPECT_TRUE(fs::is_regular_file(out_ / s)) << s;
  }

  store::test::TempDirectory dir_;
  fs::path out_ = dir_.path() / "hls";
  fs::path playlist_ = out_ / HlsMuxer::kPlaylistName;
};

TEST_F(HlsMuxerTest, SegmentsAndPlaylistThatEndsAtFinish) {
  auto encoder = open({out_.string(), false, false});
  ASSERT_TRUE(encoder);
  ClipFeeder feeder(*encoder);
  ASSERT_TRUE(feeder.feed(8));

  // Mid-stream: a live playlist, not ended, its segments already there.
  Playlist live = readPlaylist(playlist_);
  ASSERT_TRUE(live.exists);
  EXPECT_FALSE(live.ended) << "the stream goes on";
  EXPECT_FALSE(live.segments.empty());
  expectListedSegmentsExist(live);

  std::string error;
  ASSERT_TRUE(encoder->finish(&error)) << error;
  Playlist p = readPlaylist(playlist_);
  EXPECT_TRUE(p.ended) << "#EXT-X-ENDLIST after finish";
  EXPECT_FALSE(p.event) << "a live window, not an event playlist";
  EXPECT_EQ(p.targetDuration, HlsMuxer::kSegmentSeconds);
  EXPECT_EQ(p.mediaSequence, 0);
  ASSERT_EQ(p.segments.size(), 4u) << "8 s in 2 s segments";
  expectListedSegmentsExist(p);
  double total = 0;
  for (double d : p.durations) {
    EXPECT_LE(d, p.targetDuration + 0.001);
    total += d;
  }
  EXPECT_NEAR(total, 8.0, 0.2);
  std::vector<std::string> files, others;
  listDirectory(out_, &files, &others);
  EXPECT_EQ(files, p.segments) << "no segment left unlisted";
  EXPECT_TRUE(others.empty()) << "no temporary file left: " << (others.empty() ? "" : others[0]);

  // A segment from the middle decodes by itself: MPEG-TS with H.264 whose parameter sets are
  // in band, and AAC; every video packet decodes.
  const mediacheck::Streams s = mediacheck::probeStreams(out_ / p.segments[1]);
  EXPECT_EQ(s.format, "mpegts");
  ASSERT_TRUE(s.has("h264"));
  ASSERT_TRUE(s.has("aac"));
  EXPECT_EQ(s.frames.at("h264"), 2 * mediacheck::kFps);
  EXPECT_EQ(s.frames.at("h264"), s.packets.at("h264"));
  EXPECT_GT(s.frames.at("aac"), 0);

  // The whole stream through the playlist, as a player reads it.
  EXPECT_TRUE(mediacheck::decodesCleanly(playlist_.string()));
  const mediacheck::Streams all = mediacheck::probeStreams(playlist_);
  ASSERT_TRUE(all.has("h264"));
  EXPECT_EQ(all.frames.at("h264"), feeder.frames());
}

TEST_F(HlsMuxerTest, LiveWindowDeletesOldSegments) {
  auto encoder = open({out_.string(), false, true});
  ASSERT_TRUE(encoder);
  ClipFeeder feeder(*encoder);
  ASSERT_TRUE(feeder.feed(12));
  std::string error;
  ASSERT_TRUE(encoder->finish(&error)) << error;

  Playlist p = readPlaylist(playlist_);
  ASSERT_TRUE(p.exists);
  EXPECT_TRUE(p.ended);
  EXPECT_EQ(p.targetDuration, HlsMuxer::kLowLatencySegmentSeconds);
  for (double d : p.durations) EXPECT_LE(d, HlsMuxer::kLowLatencySegmentSeconds + 0.001);
  EXPECT_LE(p.segments.size(), static_cast<std::size_t>(HlsMuxer::kLiveSegments));
  EXPECT_GE(p.segments.size(), static_cast<std::size_t>(HlsMuxer::kLiveSegments - 1));
  EXPECT_GT(p.mediaSequence, 0) << "the window moved";
  expectListedSegmentsExist(p);
  ASSERT_FALSE(p.segments.empty());

  // Older segments are gone from the disk; at most one beyond the window lingers (a player
  // may still be fetching it).
  std::vector<std::string> files, others;
  listDirectory(out_, &files, &others);
  EXPECT_LE(files.size(), static_cast<std::size_t>(HlsMuxer::kLiveSegments + 1));
  EXPECT_FALSE(fs::exists(out_ / "segment00000.ts"));
  for (const auto& f : files) EXPECT_GE(f, files.front());
  EXPECT_LE(files.front(), p.segments.front());
  EXPECT_EQ(files.back(), p.segments.back());
  EXPECT_TRUE(others.empty());

  // What is left still plays from the playlist on.
  EXPECT_TRUE(mediacheck::decodesCleanly(playlist_.string()));
  const mediacheck::Streams all = mediacheck::probeStreams(playlist_);
  ASSERT_TRUE(all.has("h264"));
  ASSERT_TRUE(all.has("aac"));
  EXPECT_GT(all.frames.at("h264"), 0);
  EXPECT_LT(all.frames.at("h264"), feeder.frames()) << "the start has been dropped";
}

TEST_F(HlsMuxerTest, DvrKeepsEverySegmentInAnEventPlaylist) {
  auto encoder = open({out_.string(), true, true});
  ASSERT_TRUE(encoder);
  ClipFeeder feeder(*encoder);
  ASSERT_TRUE(feeder.feed(12));
  std::string error;
  ASSERT_TRUE(encoder->finish(&error)) << error;

  Playlist p = readPlaylist(playlist_);
  ASSERT_TRUE(p.exists);
  EXPECT_TRUE(p.event) << "#EXT-X-PLAYLIST-TYPE:EVENT";
  EXPECT_TRUE(p.ended);
  EXPECT_EQ(p.mediaSequence, 0);
  EXPECT_EQ(p.targetDuration, HlsMuxer::kLowLatencySegmentSeconds);
  EXPECT_EQ(p.segments.size(), 12u) << "12 s in 1 s segments, none dropped";
  expectListedSegmentsExist(p);
  ASSERT_FALSE(p.segments.empty());
  EXPECT_EQ(p.segments.front(), "segment00000.ts");
  std::vector<std::string> files, others;
  listDirectory(out_, &files, &others);
  EXPECT_EQ(files, p.segments);

  EXPECT_TRUE(mediacheck::decodesCleanly(playlist_.string()));
  const mediacheck::Streams all = mediacheck::probeStreams(playlist_);
  ASSERT_TRUE(all.has("h264"));
  EXPECT_EQ(all.frames.at("h264"), feeder.frames()) << "from the very start";
}

TEST_F(HlsMuxerTest, StartFailsWhereNoDirectoryCanBeMade) {
  const fs::path file = dir_.path() / "file";
  std::ofstream(file) << "x";
  std::vector<std::unique_ptr<PacketMuxer>> muxers;
  muxers.push_back(std::make_unique<HlsMuxer>(HlsMuxer::Settings{(file / "hls").string()}));
  std::string error;
  EXPECT_FALSE(CompositionEncoder::create(mediacheck::clipSettings(), std::move(muxers), &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace parley::record
