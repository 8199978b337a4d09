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
// payload descriptors removed. VP9 (RFC 9628): the same per picture, each spatial layer's
// frame from its B to its E packet, several layers joined into one superframe; a keyframe is
// a picture whose base layer is not inter-predicted. H.264 (RFC 6184, packetization mode 1): the
// NAL units of one RTP timestamp up to the marker bit, single, taken out of STAP-As and put
// together from FU-As, as one access unit in Annex B form (each NAL unit after a 00 00 00 01 start
// code, what MediaFileWriter takes); a keyframe is an access unit with an IDR slice, and a gap in
// sequence numbers within one counts as a loss even when the caller did not report it. A
// frame with a packet missing is never handed out, and neither is anything after it until
// the next keyframe (a decoder would show corruption): keyframeWanted() then asks for one
// (the caller sends the publisher a PLI).
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
  std::optional<EncodedFrame> pushVp9(std::uint32_t timestamp, bool marker,
                                      std::span<const std::uint8_t> payload, bool afterLoss);
  std::optional<EncodedFrame> pushH264(std::uint16_t sequence, std::uint32_t timestamp, bool marker,
                                       std::span<const std::uint8_t> payload, bool afterLoss);
  // Adds one NAL unit (or the first part of one) after a start code; false past the bound.
  bool appendNal(std::span<const std::uint8_t> header, std::span<const std::uint8_t> body);
  void abandonFrame();
  // The frame being gathered, done: handed out, and the next one starts empty.
  EncodedFrame completeFrame();

  TrackFormat::Codec codec_;
  bool inFrame_ = false;
  bool frameBroken_ = false;  // H.264: the rest of the access unit is skipped
  bool inFragment_ = false;
  std::uint16_t lastSequence_ = 0;  // H.264: of the access unit's latest packet         // H.264: a
                                    // FU-A started and has not ended
  bool waitingForKeyframe_ = true;  // a recording starts at a keyframe
  EncodedFrame current_;
  static constexpr std::size_t kMaxVp9Layers = 8;  // what a superframe index can list
  std::vector<std::size_t> layerSizes_;            // VP9: the picture's layer frames so far
  std::uint64_t dropped_ = 0;
};

}  // namespace parley::record
