// H264Payload::parse on arbitrary input: it must stay in bounds and report consistent
// facts about what it accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/codecs/H264Payload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::media::codecs::H264Payload;
  const auto p = H264Payload::parse(data, size);
  if (!p) return 0;
  if (size == 0 || (data[0] & 0x80) != 0) std::abort();
  if (p->nalType() < 1 || p->nalType() > 23 || p->nalCount() == 0) std::abort();
  if (p->nalCount() > size / 3 + 1) std::abort();
  if (p->isKeyframe() != (p->containsIdr() || p->containsSps())) std::abort();
  if (p->kind() == H264Payload::Kind::kFuA) {
    if (size < 3 || (p->fragmentStart() && p->fragmentEnd())) std::abort();
    if (!p->fragmentStart() && p->isKeyframe()) std::abort();
  } else if (!p->fragmentStart() || !p->fragmentEnd()) {
    std::abort();
  }
  return 0;
}
