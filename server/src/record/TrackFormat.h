#pragma once

#include <cstdint>

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
};

}  // namespace parley::record
