#include "record/FrameAssembler.h"

#include "media/ByteOrder.h"
#include "media/codecs/H264Payload.h"
#include "media/codecs/Vp8PayloadDescriptor.h"
#include "media/codecs/Vp9PayloadDescriptor.h"
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
  if (codec_ == TrackFormat::Codec::H264)
    return pushH264(packet->sequenceNumber(), packet->timestamp(), packet->marker(), payload,
                    afterLoss);
  if (codec_ == TrackFormat::Codec::Vp9)
    return pushVp9(packet->timestamp(), packet->marker(), payload, afterLoss);
  return pushVp8(packet->timestamp(), packet->marker(), payload, afterLoss);
}

void FrameAssembler::abandonFrame() {
  if (inFrame_) ++dropped_;
  inFrame_ = false;
  frameBroken_ = false;
  inFragment_ = false;
  current_.keyframe = false;
  current_.data.clear();
  layerSizes_.clear();
}

std::optional<EncodedFrame> FrameAssembler::pushVp9(std::uint32_t timestamp, bool marker,
                                                    std::span<const std::uint8_t> payload,
                                                    bool afterLoss) {
  auto descriptor = media::codecs::Vp9PayloadDescriptor::parse(payload.data(), payload.size());
  if (!descriptor) return std::nullopt;
  if (afterLoss) {
    abandonFrame();
    waitingForKeyframe_ = true;
  }
  if (inFrame_ && timestamp != current_.rtpTimestamp) {
    abandonFrame();  // its marker never came
    waitingForKeyframe_ = true;
  }
  if (!inFrame_) {
    // A picture starts with the beginning of its first layer's frame.
    if (!descriptor->beginningOfFrame()) return std::nullopt;
    if (waitingForKeyframe_ && !descriptor->isKeyframe()) {
      ++dropped_;
      return std::nullopt;
    }
    inFrame_ = true;
    inFragment_ = false;
    current_.rtpTimestamp = timestamp;
    current_.keyframe = descriptor->isKeyframe();
    current_.data.clear();
    layerSizes_.clear();
  }
  // One picture holds a frame per spatial layer, each from its B packet to its E packet.
  if (descriptor->beginningOfFrame()) {
    if (inFragment_ || layerSizes_.size() >= kMaxVp9Layers) {
      abandonFrame();
      waitingForKeyframe_ = true;
      return std::nullopt;
    }
    inFragment_ = true;
    layerSizes_.push_back(0);
  } else if (!inFragment_) {
    return std::nullopt;
  }
  const auto body = payload.subspan(descriptor->size());
  if (current_.data.size() + body.size() + 2 + 4 * kMaxVp9Layers > kMaxFrameBytes) {
    abandonFrame();
    waitingForKeyframe_ = true;
    return std::nullopt;
  }
  current_.data.insert(current_.data.end(), body.begin(), body.end());
  layerSizes_.back() += body.size();
  if (descriptor->endOfFrame()) inFragment_ = false;
  if (!marker) return std::nullopt;
  if (inFragment_) {  // the last layer's end was lost
    abandonFrame();
    waitingForKeyframe_ = true;
    return std::nullopt;
  }
  // Several layers' frames travel as one VP9 superframe: the frames back to back, then an
  // index of their sizes (4 bytes each, little-endian) between two marker bytes, which
  // decoders and WebM files take as one block.
  if (layerSizes_.size() > 1) {
    const auto marker8 =
        static_cast<std::uint8_t>(0xC0 | (3 << 3) | (layerSizes_.size() - 1));  // 4-byte sizes
    current_.data.push_back(marker8);
    for (std::size_t size : layerSizes_)
      for (int i = 0; i < 4; ++i)
        current_.data.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
    current_.data.push_back(marker8);
  }
  layerSizes_.clear();
  return completeFrame();
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
  return completeFrame();
}

EncodedFrame FrameAssembler::completeFrame() {
  inFrame_ = false;
  if (current_.keyframe) waitingForKeyframe_ = false;
  EncodedFrame done;
  done.rtpTimestamp = current_.rtpTimestamp;
  done.keyframe = current_.keyframe;
  done.data.swap(current_.data);
  current_.keyframe = false;
  return done;
}

bool FrameAssembler::appendNal(std::span<const std::uint8_t> header,
                               std::span<const std::uint8_t> body) {
  static constexpr std::uint8_t kStartCode[] = {0, 0, 0, 1};
  if (current_.data.size() + sizeof kStartCode + header.size() + body.size() > kMaxFrameBytes)
    return false;
  current_.data.insert(current_.data.end(), std::begin(kStartCode), std::end(kStartCode));
  current_.data.insert(current_.data.end(), header.begin(), header.end());
  current_.data.insert(current_.data.end(), body.begin(), body.end());
  return true;
}

std::optional<EncodedFrame> FrameAssembler::pushH264(std::uint16_t sequence,
                                                     std::uint32_t timestamp, bool marker,
                                                     std::span<const std::uint8_t> payload,
                                                     bool afterLoss) {
  using media::codecs::H264Payload;
  auto parsed = H264Payload::parse(payload.data(), payload.size());
  if (!parsed) return std::nullopt;
  bool broken = false;
  if (afterLoss) {
    // As for VP8: the lost packet may have belonged to this access unit or to one that
    // later ones refer to. Within the unit, the rest is skipped to its end.
    if (inFrame_ && timestamp == current_.rtpTimestamp)
      broken = true;
    else
      abandonFrame();
    waitingForKeyframe_ = true;
  }
  if (inFrame_ && timestamp != current_.rtpTimestamp) {
    abandonFrame();  // its marker never came
    waitingForKeyframe_ = true;
  }
  if (!inFrame_) {
    // H.264 has no start-of-frame flag: a new timestamp begins an access unit. One that
    // begins with the middle of a fragmented NAL unit lost its start.
    inFrame_ = true;
    frameBroken_ = false;
    inFragment_ = false;
    current_.rtpTimestamp = timestamp;
    current_.keyframe = false;
    current_.data.clear();
  } else if (sequence != static_cast<std::uint16_t>(lastSequence_ + 1)) {
    // A gap inside the access unit that the caller did not report (no reorder buffer).
    broken = true;
  }
  lastSequence_ = sequence;
  // A broken unit is gathered no further, but its packets still run to the marker (or the
  // next timestamp), so that none of them is taken for the start of another.
  bool ok = !frameBroken_ && !broken;
  if (ok) {
    switch (parsed->kind()) {
      case H264Payload::Kind::kSingleNal:
        ok = !inFragment_ && appendNal({}, payload);
        break;
      case H264Payload::Kind::kStapA:
        // The parser checked that the units fill the payload exactly.
        for (std::size_t pos = 1; ok && pos + 2 <= payload.size();) {
          const std::size_t length = media::ByteOrder::read16(payload.data() + pos);
          ok = !inFragment_ && appendNal({}, payload.subspan(pos + 2, length));
          pos += 2 + length;
        }
        break;
      case H264Payload::Kind::kFuA: {
        const auto fragment = payload.subspan(2);
        if (parsed->fragmentStart()) {
          // The NAL unit's own header: F and NRI of the FU indicator, the type of the FU
          // header.
          const std::uint8_t header[1] = {
              static_cast<std::uint8_t>((payload[0] & 0xE0) | (payload[1] & 0x1F))};
          ok = !inFragment_ && appendNal(header, fragment);
          inFragment_ = true;
        } else {
          ok = inFragment_;  // a fragment whose start was lost
          if (ok && current_.data.size() + fragment.size() > kMaxFrameBytes) ok = false;
          if (ok) current_.data.insert(current_.data.end(), fragment.begin(), fragment.end());
          if (parsed->fragmentEnd()) inFragment_ = false;
        }
        break;
      }
    }
    if (ok && parsed->containsIdr()) current_.keyframe = true;
  }
  if (!ok && !frameBroken_) {
    frameBroken_ = true;
    current_.keyframe = false;
    current_.data.clear();
    waitingForKeyframe_ = true;
  }
  if (!marker) return std::nullopt;
  // An access unit that ends inside a fragmented NAL unit lost its last fragment.
  const bool whole = !frameBroken_ && !inFragment_;
  const bool usable = whole && (current_.keyframe || !waitingForKeyframe_);
  if (!usable) {
    if (!whole) waitingForKeyframe_ = true;
    abandonFrame();  // counts it as dropped
    return std::nullopt;
  }
  return completeFrame();
}

}  // namespace parley::record
