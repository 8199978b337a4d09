#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "load/ClipCodec.h"

namespace parley::load {

// What a clip should hold. Zero width/height default to 640x480 for video (ignored for Opus);
// a zero bitrate to one that suits the picture size (32 kbit/s for Opus).
struct ClipSpec {
  ClipCodec codec = ClipCodec::Vp8;
  uint16_t width = 0, height = 0;
  uint32_t bitrate = 0;  // bit/s
  double frameRate = 30;
  double seconds = 10;
  // Frames from one keyframe to the next: libwebrtc's encoders (VP8 and H.264 alike) use
  // 3,000 and otherwise make one only when asked (PLI or FIR), so a browser on a clean
  // network sends hardly any. A clip shorter than that has one, its first frame; the load
  // tool answers a keyframe request by moving to the clip's next keyframe.
  uint32_t keyframeInterval = 3000;
};

// Makes clips with Debian's ffmpeg, encoded as a browser would for WebRTC (real-time settings,
// no B-frames or alt-ref frames, keyframes as ClipSpec::keyframeInterval says), and keeps them
// in a directory so that later runs reuse them.
class ClipMaker {
 public:
  // The name the clip gets in its directory, e.g. "vp8-640x480-800k-30fps-10s-k3000.ivf",
  // "h264-1280x720-2000k-30fps-10s.h264", "opus-32k-10s.ogg".
  static std::string fileName(const ClipSpec& spec);

  // The path of the clip in `dir`, made first if it is not there (dir is created as needed).
  // ffmpeg writes a temporary file in `dir` that is renamed into place once complete, so
  // concurrent or interrupted runs never leave a partial clip under the final name. When ffmpeg
  // fails, its output is kept in "<fileName>.log" in `dir`. nullopt and *error on failure.
  static std::optional<std::string> ensure(const std::string& dir, const ClipSpec& spec,
                                           std::string* error);

  // The spec with its defaults filled in; nullopt and *error when a value is out of range.
  static std::optional<ClipSpec> resolve(const ClipSpec& spec, std::string* error);
  // ffmpeg's arguments (argv[0] included) to write the clip to `output`; `spec` resolved.
  static std::vector<std::string> ffmpegArguments(const ClipSpec& spec, const std::string& output);
};

}  // namespace parley::load
