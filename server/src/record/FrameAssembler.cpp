#include "record/FrameAssembler.h"

#include "media/codecs/Vp8PayloadDescriptor.h"
#include "media/rtp/RtpPacket.h"

namespace parley::record {

std::optional<EncodedFrame> FrameAssembler::push(std::span<const std::uint8_t> rtpPacket,
                                                 bool afterLoss) {
  auto packet = media::rtp::RtpPacket::parse(rtpPacket.data(), rtpPacket.size());
  if (!packet) return std::nullopt;
  const auto payload = packet->payload();
  if (payload.empty()) return std::nullopt;  // padding only
  if (codec_ == TrackFormat::Codec::Opus) {
    waitingForKeyframe_ = false;
    return EncodedFrame{packet->timestamp(), true,
                        std::vector<std::uint8_t>(payload.begin(), payload.end())};
  }
  if (codec_ != TrackFormat::Codec::Vp8) return std::nullopt;  // not rebuilt here yet
  return pushVp8(packet->timestamp(), packet->marker(), payload, afterLoss);
}

void FrameAssembler::abandonFrame() {
  if (inFrame_) ++dropped_;
  inFrame_ = false;
  frameBroken_ = false;
  current_.data.clear();
}

std::optional<EncodedFrame> FrameAssembler::pushVp8(std::uint32_t timestamp, bool marker,
                                                    std::span<const std::uint8_t> payload,
                                                    bool afterLoss) {
  auto descriptor = media::codecs::Vp8PayloadDescriptor::parse(payload.data(), payload.size());
  if (!descriptor) return std::nullopt;
  if (afterLoss) {
    // Whatever was lost may have belonged to the frame in progress or to a frame that
    // later ones refer to: nothing decodes correctly before the next keyframe.
    abandonFrame();
    waitingForKeyframe_ = true;
  }
  if (inFrame_ && timestamp != current_.rtpTimestamp) {
    abandonFrame();  // its last packet never came
    waitingForKeyframe_ = true;
  }
  if (descriptor->beginningOfFrame()) {
    if (inFrame_) {
      abandonFrame();
      waitingForKeyframe_ = true;
    }
    if (waitingForKeyframe_ && !descriptor->isKeyframe()) {
      ++dropped_;
      return std::nullopt;
    }
    inFrame_ = true;
    current_.rtpTimestamp = timestamp;
    current_.keyframe = descriptor->isKeyframe();
    current_.data.clear();
  } else if (!inFrame_) {
    return std::nullopt;  // the rest of a frame whose start was not taken
  }
  const auto body = payload.subspan(descriptor->size());
  if (current_.data.size() + body.size() > kMaxFrameBytes) {
    abandonFrame();
    waitingForKeyframe_ = true;
    return std::nullopt;
  }
  current_.data.insert(current_.data.end(), body.begin(), body.end());
  if (!marker) return std::nullopt;
  inFrame_ = false;
  if (current_.keyframe) waitingForKeyframe_ = false;
  EncodedFrame done;
  done.rtpTimestamp = current_.rtpTimestamp;
  done.keyframe = current_.keyframe;
  done.data.swap(current_.data);
  return done;
}

}  // namespace parley::record
