#include "load/ClipMaker.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ClipTestSupport.h"
#include "load/MediaClip.h"

namespace parley::load {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// A fresh directory for one test, removed when it ends.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/parley-clipmaker-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Puts a fake "ffmpeg" (a shell script) first on PATH for the test's lifetime.
class FakeFfmpeg {
 public:
  FakeFfmpeg(const std::string& dir, const std::string& script) {
    const std::string bin = dir + "/bin";
    fs::create_directories(bin);
    std::ofstream(bin + "/ffmpeg") << "#!/bin/sh\n" << script;
    fs::permissions(bin + "/ffmpeg", fs::perms::owner_all);
    const char* path = ::getenv("PATH");
    saved_ = path ? path : "";
    ::setenv("PATH", (bin + ":" + saved_).c_str(), 1);
  }
  ~FakeFfmpeg() { ::setenv("PATH", saved_.c_str(), 1); }

 private:
  std::string saved_;
};

TEST(ClipMakerTest, NamesSayWhatTheClipHolds) {
  ClipSpec vp8{ClipCodec::Vp8, 640, 480, 0, 30, 10};
  EXPECT_EQ(ClipMaker::fileName(vp8), "vp8-640x480-800k-30fps-10s-k3000.ivf");
  ClipSpec h264{ClipCodec::H264, 1280, 720, 0, 30, 10};
  EXPECT_EQ(ClipMaker::fileName(h264), "h264-1280x720-2000k-30fps-10s-k3000.h264");
  ClipSpec small{ClipCodec::Vp8, 320, 180, 0, 15, 2.5};
  EXPECT_EQ(ClipMaker::fileName(small), "vp8-320x180-200k-15fps-2.5s-k3000.ivf");
  ClipSpec opus{ClipCodec::Opus, 0, 0, 0, 30, 10};
  EXPECT_EQ(ClipMaker::fileName(opus), "opus-32k-10s.ogg");
  opus.bitrate = 64000;
  EXPECT_EQ(ClipMaker::fileName(opus), "opus-64k-10s.ogg");
  ClipSpec odd{ClipCodec::H264, 640, 360, 1234567, 29.97, 10};
  EXPECT_EQ(ClipMaker::fileName(odd), "h264-640x360-1234567bps-29.97fps-10s-k3000.h264");
  ClipSpec everyTwoSeconds = vp8;
  everyTwoSeconds.keyframeInterval = 60;
  EXPECT_EQ(ClipMaker::fileName(everyTwoSeconds), "vp8-640x480-800k-30fps-10s-k60.ivf");
}

TEST(ClipMakerTest, AsksFfmpegForTheKeyframeIntervalAndNoSceneCutKeyframes) {
  for (ClipCodec codec : {ClipCodec::Vp8, ClipCodec::H264}) {
    ClipSpec spec{codec, 640, 480, 800000, 30, 60};
    const auto args = ClipMaker::ffmpegArguments(spec, "/tmp/out");
    auto g = std::find(args.begin(), args.end(), "-g");
    ASSERT_NE(g, args.end());
    ASSERT_NE(g + 1, args.end());
    EXPECT_EQ(*(g + 1), "3000") << "libwebrtc's interval by default";
    spec.keyframeInterval = 60;
    const auto every60 = ClipMaker::ffmpegArguments(spec, "/tmp/out");
    EXPECT_EQ(*(std::find(every60.begin(), every60.end(), "-g") + 1), "60");
  }
  const auto h264 = ClipMaker::ffmpegArguments({ClipCodec::H264, 640, 480, 800000, 30, 60}, "o");
  auto params = std::find(h264.begin(), h264.end(), "-x264-params");
  ASSERT_NE(params, h264.end());
  EXPECT_NE((params + 1)->find("scenecut=0"), std::string::npos) << *(params + 1);
}

TEST(ClipMakerTest, RefusesSpecsOutOfRange) {
  std::string error;
  EXPECT_FALSE(ClipMaker::resolve({ClipCodec::Vp8, 641, 480, 0, 30, 10}, &error));
  EXPECT_FALSE(ClipMaker::resolve({ClipCodec::Vp8, 640, 480, 0, 0, 10}, &error));
  EXPECT_FALSE(ClipMaker::resolve({ClipCodec::Vp8, 640, 480, 0, 30, 0}, &error));
  EXPECT_FALSE(ClipMaker::resolve({ClipCodec::Opus, 0, 0, 1000, 30, 10}, &error));
  EXPECT_FALSE(ClipMaker::resolve({ClipCodec::Vp8, 640, 480, 0, 30, 10, 0}, &error));
  EXPECT_NE(error.find("keyframe interval"), std::string::npos) << error;
  TempDir dir;
  EXPECT_FALSE(ClipMaker::ensure(dir.path(), {ClipCodec::H264, 8, 8, 0, 30, 1}, &error));
  EXPECT_FALSE(error.empty());
  EXPECT_TRUE(listing(dir.path()).empty());
}

TEST(ClipMakerTest, MakesTheClipOnceAndReusesIt) {
  TempDir dir;
  const std::string nested = dir.path() + "/a/b";  // created as needed
  const ClipSpec spec{ClipCodec::Vp8, 160, 120, 0, 10, 1};
  std::string error;
  const auto path = ClipMaker::ensure(nested, spec, &error);
  ASSERT_TRUE(path) << error;
  EXPECT_EQ(*path, nested + "/" + ClipMaker::fileName(spec));
  EXPECT_EQ(listing(nested), std::vector<std::string>{ClipMaker::fileName(spec)});  // no temp
  const auto clip = MediaClip::load(*path, ClipCodec::Vp8, &error);
  ASSERT_TRUE(clip) << error;
  EXPECT_EQ(clip->frames().size(), 10u);
  EXPECT_EQ(clip->width(), 160);

  // Backdate the file: a second ensure must return it untouched, not make it again.
  struct stat before {};
  ASSERT_EQ(::stat(path->c_str(), &before), 0);
  const auto old = fs::last_write_time(*path) - std::chrono::hours(1);
  fs::last_write_time(*path, old);
  const auto again = ClipMaker::ensure(nested, spec, &error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(*again, *path);
  EXPECT_EQ(fs::last_write_time(*path), old);
  struct stat after {};
  ASSERT_EQ(::stat(path->c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
}

TEST(ClipMakerTest, AFailedRunLeavesNoClipOnlyItsLog) {
  TempDir dir;
  // Writes half a file to its last argument (the output), complains, fails.
  FakeFfmpeg fake(dir.path(),
                  "for last; do :; done\nprintf 'DKIF half' > \"$last\"\n"
                  "echo 'Unknown encoder libvpx' >&2\nexit 1\n");
  const std::string clips = dir.path() + "/clips";
  const ClipSpec spec{ClipCodec::Vp8, 160, 120, 0, 10, 1};
  std::string error;
  EXPECT_FALSE(ClipMaker::ensure(clips, spec, &error));
  EXPECT_NE(error.find("exit status 1"), std::string::npos) << error;
  EXPECT_NE(error.find("Unknown encoder libvpx"), std::string::npos) << error;
  EXPECT_EQ(listing(clips), std::vector<std::string>{ClipMaker::fileName(spec) + ".log"});
}

TEST(ClipMakerTest, AKilledRunLeavesNoClip) {
  TempDir dir;
  FakeFfmpeg fake(dir.path(), "for last; do :; done\nprintf 'DKIF half' > \"$last\"\nkill -9 $$\n");
  const std::string clips = dir.path() + "/clips";
  const ClipSpec spec{ClipCodec::Vp8, 160, 120, 0, 10, 1};
  std::string error;
  EXPECT_FALSE(ClipMaker::ensure(clips, spec, &error));
  EXPECT_NE(error.find("signal 9"), std::string::npos) << error;
  EXPECT_EQ(listing(clips), std::vector<std::string>{ClipMaker::fileName(spec) + ".log"});
}

TEST(ClipMakerTest, ReportsAMissingFfmpeg) {
  TempDir dir;
  const char* path = ::getenv("PATH");
  const std::string saved = path ? path : "";
  ::setenv("PATH", (dir.path() + "/nothing").c_str(), 1);
  std::string error;
  const auto made = ClipMaker::ensure(dir.path(), {ClipCodec::Opus, 0, 0, 0, 30, 1}, &error);
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_FALSE(made);
  EXPECT_NE(error.find("ffmpeg"), std::string::npos) << error;
  EXPECT_TRUE(listing(dir.path()).empty());
}

TEST(ClipMakerTest, ConcurrentRunsAgreeOnOneCompleteClip) {
  TempDir dir;
  const ClipSpec spec{ClipCodec::Opus, 0, 0, 0, 30, 1};
  std::optional<std::string> a, b;
  std::string errorA, errorB;
  std::thread other([&] { b = ClipMaker::ensure(dir.path(), spec, &errorB); });
  a = ClipMaker::ensure(dir.path(), spec, &errorA);
  other.join();
  ASSERT_TRUE(a) << errorA;
  ASSERT_TRUE(b) << errorB;
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{ClipMaker::fileName(spec)});
  std::string error;
  EXPECT_TRUE(MediaClip::load(*a, ClipCodec::Opus, &error)) << error;
}

}  // namespace
}  // namespace parley::load
