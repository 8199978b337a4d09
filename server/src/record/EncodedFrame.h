#pragma once

#include <cstdint>
#include <vector>

namespace parley::record {

// One whole encoded frame rebuilt from RTP: what a container stores as a block.
struct EncodedFrame {
  std::uint32_t rtpTimestamp = 0;
  bool keyframe = false;
  std::vector<std::uint8_t> data;
};

}  // namespace parley::record
