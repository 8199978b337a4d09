#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::net {

// RFC 4571 framing of RTP/RTCP/STUN/DTLS over a TCP byte stream: each packet is a 16-bit
// big-endian length followed by that many bytes. Splits what a read produced into whole
// frames; a partial frame at the end is left for the next read.
class Rfc4571Framer {
 public:
  // Calls onFrame(data, size) for every whole frame in [data, data+size) and returns the
  // bytes consumed, or nullopt when a frame is empty or longer than maxFrame (the stream
  // cannot be resynchronised: the caller closes the connection).
  template <class OnFrame>
  static std::optional<size_t> split(uint8_t* data, size_t size, size_t maxFrame,
                                     OnFrame&& onFrame) {
    size_t pos = 0;
    while (size - pos >= 2) {
      const size_t len = (static_cast<size_t>(data[pos]) << 8) | data[pos + 1];
      if (len == 0 || len > maxFrame) return std::nullopt;
      if (size - pos - 2 < len) break;
      if (!onFrame(data + pos + 2, len)) return pos + 2 + len;  // the handler asked to stop
      pos += 2 + len;
    }
    return pos;
  }
};

}  // namespace parley::media::net
