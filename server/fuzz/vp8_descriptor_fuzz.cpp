// Vp8PayloadDescriptor::parse on arbitrary input: it must stay in bounds, and the in-place
// PictureID / TL0PICIDX writers must round-trip without touching any other byte.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "media/codecs/Vp8PayloadDescriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::media::codecs::Vp8PayloadDescriptor;
  const auto d = Vp8PayloadDescriptor::parse(data, size);
  if (!d) return 0;
  if (d->size() == 0 || d->size() >= size || d->size() > 6) std::abort();
  if (d->isKeyframe() && !d->beginningOfFrame()) std::abort();

  std::vector<uint8_t> copy(data, data + size);
  const uint16_t pid = static_cast<uint16_t>(size * 2654435761u);
  const bool wrotePid = d->writePictureId(copy.data(), copy.size(), pid);
  const bool wroteTl0 = d->writeTl0PicIdx(copy.data(), copy.size(), static_cast<uint8_t>(pid));
  if (wrotePid != d->hasPictureId() || wroteTl0 != d->hasTl0PicIdx()) std::abort();
  const auto r = Vp8PayloadDescriptor::parse(copy.data(), copy.size());
  if (!r || r->size() != d->size() || r->isKeyframe() != d->isKeyframe() ||
      r->longPictureId() != d->longPictureId() || r->tid() != d->tid() ||
      r->keyIdx() != d->keyIdx())
    std::abort();
  if (wrotePid && r->pictureId() != (pid & (d->longPictureId() ? 0x7FFF : 0x7F))) std::abort();
  if (wroteTl0 && r->tl0PicIdx() != static_cast<uint8_t>(pid)) std::abort();
  if (std::memcmp(copy.data() + d->size(), data + d->size(), size - d->size()) != 0 ||
      copy[0] != data[0])
    std::abort();
  return 0;
}
