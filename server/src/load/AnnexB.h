#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace parley::load {

// Splits an H.264 Annex B byte stream (ITU-T H.264 Annex B) into its NAL units.
class AnnexB {
 public:
  // Appends each NAL unit of `stream` to `nals`, without its start code (00 00 01 or
  // 00 00 00 01) and without the zero bytes that may trail it; empty units are skipped. False
  // when the stream has no start code or anything but zero bytes precedes the first one.
  static bool split(std::span<const uint8_t> stream, std::vector<std::span<const uint8_t>>& nals);
};

}  // namespace parley::load
