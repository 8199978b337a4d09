#include "media/RandomSsrc.h"

#include <string>

#include "core/Crypto.h"
#include "media/ByteOrder.h"

namespace parley::media {

uint32_t randomSsrc() {
  const std::string b = core::Crypto::randomBytes(4);
  return ByteOrder::read32(reinterpret_cast<const uint8_t*>(b.data())) | 1;
}

}  // namespace parley::media
