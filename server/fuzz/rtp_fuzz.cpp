// RtpPacket::parse on arbitrary input: header, extension lookups and payload must stay in
// bounds, and the in-place setters must round-trip without disturbing anything else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "media/rtp/RtpPacket.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::media::rtp::RtpPacket;
  const auto p = RtpPacket::parse(data, size);
  if (!p) return 0;
  size_t sum = p->payload().size() + p->extensionData().size();
  for (size_t i = 0; i < p->csrcCount(); ++i) sum += p->csrc(i);
  for (unsigned id = 0; id < 256; ++id) {
    if (auto e = p->extension(static_cast<uint8_t>(id))) {
      if (e->data() < data || e->data() + e->size() > data + size) std::abort();
      for (uint8_t b : *e) sum += b;
    }
  }
  if (p->headerSize() + p->paddingSize() + p->payload().size() != size) std::abort();

  std::vector<uint8_t> copy(data, data + size);
  auto w = RtpPacket::parse(copy.data(), copy.size());
  if (!w) std::abort();
  const bool marker = w->marker();
  if (!w->setSsrc(0x01020304) || !w->setSequenceNumber(0xBEEF) || !w->setTimestamp(7) ||
      !w->setPayloadType(96))
    std::abort();
  if (w->ssrc() != 0x01020304 || w->sequenceNumber() != 0xBEEF || w->timestamp() != 7 ||
      w->payloadType() != 96 || w->marker() != marker)
    std::abort();
  for (unsigned id = 1; id < 256; ++id) {
    if (auto e = w->mutableExtension(static_cast<uint8_t>(id))) {
      if (e->data() < copy.data() || e->data() + e->size() > copy.data() + copy.size())
        std::abort();
      std::memcpy(e->data(), p->extension(static_cast<uint8_t>(id))->data(), e->size());
    }
  }
  if (std::memcmp(copy.data() + 12, data + 12, size - 12) != 0 || copy[0] != data[0]) std::abort();
  return sum == SIZE_MAX ? 1 : 0;
}
