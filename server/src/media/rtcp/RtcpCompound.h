#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

// Walks the packets of a compound RTCP datagram (RFC 3550 §6.1) without copying:
//   RtcpCompound c(data, size);
//   while (auto p = c.next()) { switch (p->header.packetType()) ... }
//   if (c.malformed()) ...
class RtcpCompound {
 public:
  struct Packet {
    RtcpHeader header;
    const uint8_t* data;  // starts at the common header
    size_t size;          // header.packetSize()
  };

  RtcpCompound(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // The next packet; nullopt at the end or at the first malformed packet.
  std::optional<Packet> next();
  bool malformed() const { return malformed_; }

  // True when the datagram is a non-empty sequence of well-formed RTCP packets.
  static bool isValid(const uint8_t* data, size_t size);

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool malformed_ = false;
};

}  // namespace parley::media::rtcp
