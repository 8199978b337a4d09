#pragma once

// What the record/ tests share: a real clip made by Debian's ffmpeg as RTP (RtpClip.h), and
// ffprobe's view of a file (decoding every frame).

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../store/TempDirectory.h"
#include "RtpClip.h"
#include "record/MediaFileReader.h"
#include "record/MediaFileWriter.h"

#include "core/Json.h"

namespace parley::record::recordtest {

inline std::string runCommand(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    out.append(buffer.data(), n);
  ::pclose(pipe);
  return out;
}

inline core::Json probe(const std::filesystem::path& file) {
  auto json = core::Json::parse(runCommand(
      "ffprobe -v error -count_frames -show_entries "
      "stream=codec_name,width,height,nb_read_frames,channels:format=duration -of json '" +
      file.string() + "'"));
  return json ? *json : core::Json();
}

// nb_read_frames of the stream with `codec`, or -1.
inline int framesOf(const core::Json& info, const std::string& codec) {
  const core::Json* streams = info.find("streams");
  if (!streams) return -1;
  for (const auto& s : streams->items())
    if (s.getString("codec_name") == codec)
      return std::atoi(s.getString("nb_read_frames").value_or("-1").c_str());
  return -1;
}

// The mean RGB of the 2x2 block at (x, y) of the picture shown at `seconds` (the first one
// when negative), by Debian's ffmpeg; empty when it could not decode one.
inline std::vector<int> rgbAt(const std::filesystem::path& file, int x, int y,
                              double seconds = -1) {
  const std::string seek = seconds < 0 ? "" : "-ss " + std::to_string(seconds) + " ";
  const std::string out = runCommand(
      "ffmpeg -v error " + seek + "-i '" + file.string() + "' -vf crop=2:2:" + std::to_string(x) +
      ":" + std::to_string(y) + " -frames:v 1 -f rawvideo -pix_fmt rgb24 - 2>/dev/null");
  if (out.size() != 12) return {};
  int r = 0, g = 0, b = 0;
  for (int i = 0; i < 4; ++i) {
    r += static_cast<unsigned char>(out[3 * i]);
    g += static_cast<unsigned char>(out[3 * i + 1]);
    b += static_cast<unsigned char>(out[3 * i + 2]);
  }
  return {r / 4, g / 4, b / 4};
}

// A test with a fresh directory (removed afterwards) holding the clip.
class ClipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(makeClip(clip_)) << "ffmpeg (make deps) could not make the clip";
  }
  store::test::TempDirectory dir_;
  std::filesystem::path clip_ = dir_.path() / "clip.webm";
};

// Writes the clip's first `videoFrames` video frames to `out` in a child process that then
// dies without finishing the file (as under kill -9): no trailer, no index.
inline ::testing::AssertionResult writeCutOff(const std::filesystem::path& clip,
                                              const std::filesystem::path& out, int videoFrames) {
  const pid_t child = ::fork();
  if (child < 0) return ::testing::AssertionFailure() << "fork failed";
  if (child == 0) {
    auto reader = MediaFileReader::open(clip.string(), nullptr);
    if (!reader) ::_exit(2);
    auto writer = MediaFileWriter::create(out.string(), reader->tracks(), nullptr);
    if (!writer) ::_exit(3);
    int video = 0;
    while (auto frame = reader->next()) {
      if (!reader->tracks()[frame->track].isVideo()) continue;
      if (!writer->write(frame->track, frame->ptsMs, frame->keyframe, frame->data, nullptr))
        ::_exit(4);
      if (++video == videoFrames) ::_exit(0);  // no finish(), no destructor
    }
    ::_exit(5);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child) return ::testing::AssertionFailure() << "waitpid";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return ::testing::AssertionFailure() << "the writer child ended with status " << status;
  return ::testing::AssertionSuccess();
}

}  // namespace parley::record::recordtest
