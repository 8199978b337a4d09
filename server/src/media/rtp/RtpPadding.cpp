#include "media/rtp/RtpPadding.h"

#include <cstring>

namespace parley::media::rtp {

size_t RtpPadding::alignTo(uint8_t* packet, size_t size, size_t capacity, size_t multiple) {
  if (multiple < 2 || multiple > 255 || size < 12 || (packet[0] & 0xC0) != 0x80) return size;
  if (packet[0] & 0x20) return size;  // its own padding: leave it alone
  const size_t pad = (multiple - size % multiple) % multiple;
  if (pad == 0 || size + pad > capacity) return size;
  std::memset(packet + size, 0, pad - 1);
  packet[size + pad - 1] = static_cast<uint8_t>(pad);
  packet[0] |= 0x20;
  return size + pad;
}

}  // namespace parley::media::rtp
