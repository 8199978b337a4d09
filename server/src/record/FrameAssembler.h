#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "record/EncodedFrame.h"
#include "record/TrackFormat.h"

namespace parley::record {

// Rebuilds whole frames from one track's RTP packets, taken in sequence order (from a
// ReorderBuffer). Opus: every packet is a frame. VP8 (RFC 7741): the packets of one RTP
// timestamp, from the one that begins the frame to the one with the marker bit, with their
// payload descriptors removed. A frame with a packet missing is never handed out, and
// neither is anything after it until the next keyframe (a decoder would show corruption):
// keyframeWanted() then asks for one (the caller sends the publisher a PLI).
class FrameAssembler {
 public:
  static constexpr std::size_t kMaxFrameBytes = 4 * 1024 * 1024;

  explicit FrameAssembler(TrackFormat::Codec codec) : codec_(codec) {}

  // One packet; `afterLoss` when packets before it were given up. Returns the frame it
  // completes, if any.
  std::optional<EncodedFrame> push(std::span<const std::uint8_t> rtpPacket, bool afterLoss);

  // Nothing can be written until a keyframe comes, and none is arriving right now (one
  // whose packets are being gathered does not count as wanted).
  bool keyframeWanted() const { return waitingForKeyframe_ && !(inFrame_ && current_.keyframe); }
  std::uint64_t framesDropped() const { return dropped_; }

 private:
  std::optional<EncodedFrame> pushVp8(std::uint32_t timestamp, bool marker,
                                      std::span<const std::uint8_t> payload, bool afterLoss);
  void abandonFrame();

  TrackFormat::Codec codec_;
  bool inFrame_ = false;
  bool frameBroken_ = false;
  bool waitingForKeyframe_ = true;  // a recording starts at a keyframe
  EncodedFrame current_;
  std::uint64_t dropped_ = 0;
};

}  // namespace parley::record
