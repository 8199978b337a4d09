#pragma once

// What the live-output tests (HLS, RTMP) share: a clip of coloured pictures and a tone fed
// through a CompositionEncoder, and Debian's ffprobe/ffmpeg's view of what came out.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "RecordTestSupport.h"
#include "core/Json.h"
#include "record/CompositionEncoder.h"
#include "record/Picture.h"

namespace parley::record::mediacheck {

constexpr int kWidth = 320;
constexpr int kHeight = 240;
constexpr int kFps = 25;

inline CompositionEncoder::Settings clipSettings() {
  CompositionEncoder::Settings s;
  s.width = kWidth;
  s.height = kHeight;
  s.framesPerSecond = kFps;
  return s;
}

// Feeds an encoder pictures (left half red, right half blue, a white square that moves so that
// every picture carries data) and a 440 Hz tone, continuing where the previous feed() ended.
class ClipFeeder {
 public:
  explicit ClipFeeder(CompositionEncoder& encoder) : encoder_(encoder) {}

  // Another `seconds` of pictures and the audio that goes with them.
  ::testing::AssertionResult feed(int seconds) {
    std::string error;
    const int until = frame_ + seconds * kFps;
    for (; frame_ < until; ++frame_) {
      Picture p(kWidth, kHeight, Picture::fromRgb(255, 0, 0));
      p.fillRect(kWidth / 2, 0, kWidth / 2, kHeight, Picture::fromRgb(0, 0, 255));
      p.fillRect((frame_ * 8) % (kWidth - 20), 20, 20, 20, Picture::fromRgb(255, 255, 255));
      if (!encoder_.writeVideo(p, std::int64_t{frame_} * 1000 / kFps, &error))
        return ::testing::AssertionFailure() << "writeVideo " << frame_ << ": " << error;
      const std::int64_t audioUntil =
          std::int64_t{frame_ + 1} * CompositionEncoder::kAudioSampleRate / kFps;
      std::vector<float> chunk;
      for (; samples_ < audioUntil; ++samples_) {
        const float v = 0.5f * static_cast<float>(std::sin(2 * M_PI * 440.0 * samples_ /
                                                           CompositionEncoder::kAudioSampleRate));
        chunk.push_back(v);
        chunk.push_back(v);
      }
      if (!encoder_.writeAudio(chunk, &error))
        return ::testing::AssertionFailure() << "writeAudio: " << error;
    }
    return ::testing::AssertionSuccess();
  }
  int frames() const { return frame_; }

 private:
  CompositionEncoder& encoder_;
  int frame_ = 0;
  std::int64_t samples_ = 0;
};

// Runs a shell command; its exit status (-1 when it could not run), stdout and stderr in `out`.
inline int runStatus(const std::string& command, std::string* out) {
  out->clear();
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out->append(buffer, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// What ffprobe finds in a file when it decodes all of it, by itself.
struct Streams {
  std::string format;                  // ffprobe's format_name
  std::map<std::string, int> packets;  // codec name → packets read
  std::map<std::string, int> frames;   // codec name → frames decoded
  bool has(const std::string& codec) const { return packets.count(codec) > 0; }
};

inline Streams probeStreams(const std::filesystem::path& file) {
  Streams out;
  auto json = core::Json::parse(
      recordtest::runCommand("ffprobe -v quiet -count_packets -count_frames -show_entries "
                             "stream=codec_name,nb_read_packets,nb_read_frames:format=format_name "
                             "-of json '" +
                             file.string() + "'"));
  if (!json) return out;
  if (const core::Json* format = json->find("format"))
    out.format = format->getString("format_name").value_or("");
  if (const core::Json* streams = json->find("streams"))
    for (const auto& s : streams->items()) {
      const std::string codec = s.getString("codec_name").value_or("?");
      out.packets[codec] = std::atoi(s.getString("nb_read_packets").value_or("-1").c_str());
      out.frames[codec] = std::atoi(s.getString("nb_read_frames").value_or("-1").c_str());
    }
  return out;
}

// Whether Debian's ffmpeg decodes all of `input` without a complaint.
inline ::testing::AssertionResult decodesCleanly(const std::string& input) {
  std::string out;
  const int status = runStatus("ffmpeg -nostdin -v error -i '" + input + "' -f null -", &out);
  if (status != 0 || !out.empty())
    return ::testing::AssertionFailure() << "ffmpeg exited " << status << ": " << out;
  return ::testing::AssertionSuccess();
}

}  // namespace parley::record::mediacheck
