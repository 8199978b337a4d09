// H264Sps::parse on arbitrary input: it must stay in bounds (emulation-prevention bytes
// included) and only ever report a picture within its limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/codecs/H264Sps.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::media::codecs::H264Sps;
  const auto sps = H264Sps::parse(data, size);
  if (!sps) return 0;
  if (size < 4 || (data[0] & 0x1F) != 7 || (data[0] & 0x80) != 0) std::abort();
  if (sps->width() < 1 || sps->width() > H264Sps::kMaxSide) std::abort();
  if (sps->height() < 1 || sps->height() > H264Sps::kMaxSide) std::abort();
  if (sps->chromaFormatIdc() > 3) std::abort();
  return 0;
}
