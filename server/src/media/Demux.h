#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::media {

enum class PacketKind { Stun, Dtls, Rtp, Rtcp, NodePipe, Unknown };

// RFC 7983 §7: tells the protocols multiplexed on one UDP port apart by the first byte
// (and, for RTP/RTCP, by the payload type in the second byte, RFC 5761 §4). 0x50, which no
// protocol of RFC 7983 uses, starts a pipe datagram from another node (NodePipeCodec).
class Demux {
 public:
  static PacketKind classify(const uint8_t* data, size_t size);
};

}  // namespace parley::media
