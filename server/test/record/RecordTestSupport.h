#pragma once

// What the record/ tests share: a real clip made by Debian's ffmpeg, and ffprobe's view of
// a file (decoding every frame).

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../store/TempDirectory.h"
#include "record/MediaFileReader.h"

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

// 3 s of VP8 at 30 fps (a keyframe every second) and stereo Opus, in `dir`/clip.webm.
inline bool makeClip(const std::filesystem::path& clip) {
  const std::string command =
      "ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=30 "
      "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 3 -c:v libvpx -b:v 300k -g 30 "
      "-c:a libopus -ac 2 -y '" +
      clip.string() + "'";
  return std::system(command.c_str()) == 0;
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

// ---- RTP as a publisher sends it, from a clip's real frames

struct RtpPacketOut {
  std::size_t track;
  std::uint16_t sequence;
  std::vector<std::uint8_t> bytes;
  int frameIndex;  // index of the video frame it carries (-1 for audio)
};

inline std::vector<std::uint8_t> rtp(std::uint8_t payloadType, bool marker, std::uint16_t seq,
                                     std::uint32_t ts, std::uint32_t ssrc) {
  return {0x80,
          static_cast<std::uint8_t>((marker ? 0x80 : 0) | payloadType),
          static_cast<std::uint8_t>(seq >> 8),
          static_cast<std::uint8_t>(seq),
          static_cast<std::uint8_t>(ts >> 24),
          static_cast<std::uint8_t>(ts >> 16),
          static_cast<std::uint8_t>(ts >> 8),
          static_cast<std::uint8_t>(ts),
          static_cast<std::uint8_t>(ssrc >> 24),
          static_cast<std::uint8_t>(ssrc >> 16),
          static_cast<std::uint8_t>(ssrc >> 8),
          static_cast<std::uint8_t>(ssrc)};
}

// Every frame of the clip as RTP, per track, in send order. Sequence numbers start near
// the 16-bit wrap so that the test crosses it.
inline std::vector<RtpPacketOut> packetize(MediaFileReader& reader, int* videoFrames) {
  std::vector<RtpPacketOut> out;
  std::uint16_t seq[2] = {65500, 65000};
  int index = 0;
  while (auto frame = reader.next()) {
    const bool video = reader.tracks()[frame->track].isVideo();
    const std::size_t t = video ? 0 : 1;
    if (!video) {
      auto p = rtp(111, true, seq[t], static_cast<std::uint32_t>(frame->ptsMs * 48), 2222);
      p.insert(p.end(), frame->data.begin(), frame->data.end());
      out.push_back({frame->track, seq[t]++, std::move(p), -1});
      continue;
    }
    // A 1-byte VP8 payload descriptor: S=1 and PID 0 on the first packet of the frame.
    const std::size_t chunk = 700;
    for (std::size_t off = 0; off < frame->data.size(); off += chunk) {
      const std::size_t n = std::min(chunk, frame->data.size() - off);
      const bool last = off + n == frame->data.size();
      auto p = rtp(96, last, seq[t], static_cast<std::uint32_t>(frame->ptsMs * 90), 1111);
      p.push_back(off == 0 ? 0x10 : 0x00);
      p.insert(p.end(), frame->data.begin() + static_cast<std::ptrdiff_t>(off),
               frame->data.begin() + static_cast<std::ptrdiff_t>(off + n));
      out.push_back({frame->track, seq[t]++, std::move(p), index});
    }
    ++index;
  }
  *videoFrames = index;
  return out;
}

}  // namespace parley::record::recordtest
