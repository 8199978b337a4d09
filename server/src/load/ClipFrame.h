#pragma once

#include <cstdint>
#include <vector>

namespace parley::load {

// One encoded frame of a clip: a VP8 frame, an H.264 access unit in Annex B form (4-byte start
// codes, AUD included) or one Opus packet.
struct ClipFrame {
  std::vector<uint8_t> data;
  bool keyframe = false;  // decodable on its own; every Opus packet is
  uint32_t duration = 0;  // RTP clock ticks until the next frame
};

}  // namespace parley::load
