#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "load/ClipCodec.h"
#include "load/MediaClip.h"

namespace parley::load {

// One clip frame as RTP payloads, in sending order.
struct PacketizedFrame {
  std::vector<std::vector<uint8_t>> payloads;
  bool keyframe = false;
  uint32_t duration = 0;  // RTP clock ticks until the next frame
};

// Turns a whole clip into RTP payloads once, so that a sender looping it only copies bytes and
// fills in the RTP header. The sender sets the marker bit on the last payload of each video frame
// (RFC 7741 / RFC 6184; never for Opus), and for VP8 patches each sent frame's picture ID with
// setVp8PictureId, since a looping clip repeats its frames.
class RtpPacketizer {
 public:
  // VP8 descriptor bytes at the start of every VP8 payload.
  static constexpr size_t kVp8DescriptorSize = 4;

  // - VP8 (RFC 7741): each payload is a 4-byte descriptor (X=1, S=1 on the frame's first
  //   payload only, PID=0, I=1, a 15-bit picture ID of 0) and a slice of the frame; a frame is
  //   split into near-equal payloads of at most maxPayload bytes, as libwebrtc does.
  // - H.264 (RFC 6184, packetization mode 1): the access unit's NAL units without its AUD
  //   (browsers send none); SPS and PPS together in one STAP-A when they fit, other units alone
  //   when they fit and in near-equal FU-A fragments when not.
  // - Opus: one payload per packet, whatever its size (Opus packets are not split).
  // Empty when maxPayload is too small to carry any video (under 16 bytes).
  static std::vector<PacketizedFrame> packetize(const MediaClip& clip, ClipCodec codec,
                                                size_t maxPayload);

  // Writes the 15-bit picture ID (M=1) at bytes 2..3 of a VP8 payload made by packetize.
  static void setVp8PictureId(uint8_t* payload, uint16_t pictureId) {
    payload[2] = static_cast<uint8_t>(0x80 | ((pictureId >> 8) & 0x7f));
    payload[3] = static_cast<uint8_t>(pictureId & 0xff);
  }

  static constexpr size_t kMinPayload = 16;
};

}  // namespace parley::load
