#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace parley::record {

// What one track of a media file carries.
struct TrackFormat {
  enum class Codec { Vp8, Vp9, H264, Opus };
  Codec codec = Codec::Vp8;
  int width = 0;  // video; a writer takes them from the first keyframe when 0
  int height = 0;
  int sampleRate = 48000;  // audio
  int channels = 2;

  bool isVideo() const { return codec != Codec::Opus; }

  // The codec of an SDP codec name (any case) whose RTP the recorder rebuilds into frames
  // (FrameAssembler): VP8, VP9, H.264 (packetization mode 1) and Opus; nullopt otherwise.
  static std::optional<Codec> named(std::string_view name) {
    auto is = [&](std::string_view want) {
      if (name.size() != want.size()) return false;
      for (std::size_t i = 0; i < name.size(); ++i)
        if ((name[i] | 0x20) != (want[i] | 0x20)) return false;
      return true;
    };
    if (is("vp8")) return Codec::Vp8;
    if (is("vp9")) return Codec::Vp9;
    if (is("h264")) return Codec::H264;
    if (is("opus")) return Codec::Opus;
    return std::nullopt;
  }
};

}  // namespace parley::record
