#pragma once

// What the record/ tests share: a real clip made by Debian's ffmpeg, and ffprobe's view of
// a file (decoding every frame).

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

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

}  // namespace parley::record::recordtest
