#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::media::rtp {

// RTP padding (RFC 3550 §5.1) added by the SFU so that the packets of one video frame to one
// subscriber have the same size and leave as one segmented UDP message (UDP GSO needs equal
// segments). Receivers drop padding before depacketizing, so the media are untouched.
class RtpPadding {
 public:
  // Pads the RTP packet in `packet` (`size` bytes, room for `capacity`) up to the next
  // multiple of `multiple` bytes and returns the new size. Unchanged (same size returned)
  // when it is already a multiple, when the packet already carries padding or is not RTP,
  // or when there is no room.
  static size_t alignTo(uint8_t* packet, size_t size, size_t capacity, size_t multiple);
};

}  // namespace parley::media::rtp
