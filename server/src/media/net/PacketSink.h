#pragma once

#include <cstddef>
#include <cstdint>

#include "media/net/SocketAddress.h"

namespace parley::media::net {

// Where a transport writes its outgoing datagrams: it reserves a buffer, fills it (and may
// SRTP-protect it in place up to the capacity), then commits it. The UDP send queue batches
// them into sendmmsg; an ICE-TCP connection frames them (RFC 4571); benchmarks count them.
class PacketSink {
 public:
  static constexpr size_t kSlotSize = 1600;  // MTU-sized packet + SRTP trailer + headroom

  virtual ~PacketSink() = default;
  // A buffer of kSlotSize bytes, valid until commit() or the next reserve().
  virtual uint8_t* reserve() = 0;
  virtual void commit(size_t size, const SocketAddress& to) = 0;
};

}  // namespace parley::media::net
