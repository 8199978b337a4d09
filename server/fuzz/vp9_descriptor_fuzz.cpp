// Vp9PayloadDescriptor::parse on arbitrary input: it must stay in bounds and report
// consistent facts about what it accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/codecs/Vp9PayloadDescriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::media::codecs::Vp9PayloadDescriptor;
  const auto d = Vp9PayloadDescriptor::parse(data, size);
  if (!d) return 0;
  if (d->size() == 0 || d->size() >= size) std::abort();
  if (d->referenceCount() > Vp9PayloadDescriptor::kMaxReferences) std::abort();
  if (d->referenceCount() != 0 && !(d->flexibleMode() && d->interPicturePredicted())) std::abort();
  unsigned sum = 0;
  for (size_t i = 0; i < d->referenceCount(); ++i) sum += d->referenceDiff(i);
  if (d->isKeyframe() && (d->interPicturePredicted() || !d->beginningOfFrame())) std::abort();
  if (d->spatialId() > 7 || d->temporalId() > 7) std::abort();
  static volatile unsigned sink = 0;
  sink = sink + sum;
  return 0;
}
