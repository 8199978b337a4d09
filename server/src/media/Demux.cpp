#include "media/Demux.h"

namespace parley::media {

PacketKind Demux::classify(const uint8_t* data, size_t size) {
  if (data == nullptr || size == 0) return PacketKind::Unknown;
  const uint8_t first = data[0];
  if (first <= 3) return PacketKind::Stun;
  if (first >= 20 && first <= 63) return PacketKind::Dtls;
  if (first == 0x50) return PacketKind::NodePipe;
  if (first >= 128 && first <= 191) {
    if (size < 2) return PacketKind::Unknown;
    // With the marker bit masked off, RTCP packet types 192..223 map onto 64..95.
    const uint8_t pt = data[1];
    return (pt >= 192 && pt <= 223) ? PacketKind::Rtcp : PacketKind::Rtp;
  }
  return PacketKind::Unknown;
}

}  // namespace parley::media
