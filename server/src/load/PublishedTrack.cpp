#include "load/PublishedTrack.h"

#include <algorithm>
#include <cstring>

#include "load/AbsCaptureTime.h"
#include "media/ByteOrder.h"

namespace parley::load {

PublishedTrack::PublishedTrack(Settings settings, uint32_t firstTimestamp, uint16_t firstSequence)
    : settings_(std::move(settings)),
      timestamp_(firstTimestamp),
      sequence_(firstSequence),
      history_(std::make_unique<std::array<Sent, kHistory>>()) {}

size_t PublishedTrack::writePacket(const std::vector<uint8_t>& payload, bool marker,
                                   uint64_t captureNtp, uint8_t* out) {
  // One-byte header extensions (RFC 8285): mid, abs-capture-time; padded to 32 bits.
  uint8_t ext[32];
  size_t extSize = 0;
  if (ext_.mid && !settings_.mid.empty() && settings_.mid.size() <= 16) {
    ext[extSize++] = static_cast<uint8_t>((ext_.mid << 4) | (settings_.mid.size() - 1));
    std::memcpy(ext + extSize, settings_.mid.data(), settings_.mid.size());
    extSize += settings_.mid.size();
  }
  if (ext_.absCaptureTime) {
    ext[extSize++] = static_cast<uint8_t>((ext_.absCaptureTime << 4) | 7);
    extSize += AbsCaptureTime::write(ext + extSize, captureNtp);
  }
  while (extSize % 4) ext[extSize++] = 0;
  const size_t header = 12 + (extSize ? 4 + extSize : 0);
  if (header + payload.size() > kMaxPacket) return 0;
  out[0] = extSize ? 0x90 : 0x80;
  out[1] = static_cast<uint8_t>((marker && settings_.video ? 0x80 : 0) | settings_.payloadType);
  media::ByteOrder::write16(out + 2, sequence_);
  media::ByteOrder::write32(out + 4, timestamp_);
  media::ByteOrder::write32(out + 8, settings_.ssrc);
  if (extSize) {
    out[12] = 0xBE;
    out[13] = 0xDE;
    media::ByteOrder::write16(out + 14, static_cast<uint16_t>(extSize / 4));
    std::memcpy(out + 16, ext, extSize);
  }
  std::memcpy(out + header, payload.data(), payload.size());
  if (settings_.codec == ClipCodec::Vp8) RtpPacketizer::setVp8PictureId(out + header, pictureId_);
  return header + payload.size();
}

size_t PublishedTrack::sendFrame(int64_t nowUs, uint64_t captureNtp, PacketBatch& out) {
  const auto& frames = *settings_.frames;
  if (frames.empty() || nowUs < nextDueUs_) return 0;
  if (keyframeWanted_) {
    keyframeWanted_ = false;
    size_t i = frameIndex_;
    while (!frames[i].keyframe) {
      i = (i + 1) % frames.size();
      if (i == frameIndex_) break;
    }
    frameIndex_ = i;
  }
  const PacketizedFrame& frame = frames[frameIndex_];
  size_t count = 0;
  for (size_t i = 0; i < frame.payloads.size(); ++i) {
    uint8_t* slot = out.next();
    if (!slot) break;  // the batch is full: the rest of the frame is lost, as on a full queue
    size_t size = writePacket(frame.payloads[i], i + 1 == frame.payloads.size(), captureNtp, slot);
    if (size == 0) continue;
    Sent& s = (*history_)[sequence_ % kHistory];
    s.sequence = sequence_;
    s.size = static_cast<uint16_t>(size);
    std::memcpy(s.bytes.data(), slot, size);
    out.commit(size);
    ++sequence_;
    ++packetsSent_;
    bytesSent_ += size;
    ++count;
  }
  ++framesSent_;
  if (frame.keyframe && settings_.video) ++keyframesSent_;
  if (settings_.codec == ClipCodec::Vp8) pictureId_ = (pictureId_ + 1) & 0x7FFF;
  timestamp_ += frame.duration;
  // A loop that fell far behind (a stalled thread) skips ahead instead of bursting.
  const int64_t step = static_cast<int64_t>(frame.duration) * 1000000 / settings_.clockRate;
  nextDueUs_ = nowUs - nextDueUs_ > 200000 ? nowUs + step : nextDueUs_ + step;
  frameIndex_ = (frameIndex_ + 1) % frames.size();
  return count;
}

size_t PublishedTrack::copyForRetransmission(uint16_t seq, uint8_t* out) const {
  const Sent& s = (*history_)[seq % kHistory];
  if (s.size == 0 || s.sequence != seq) return 0;
  std::memcpy(out, s.bytes.data(), s.size);
  return s.size;
}

}  // namespace parley::load
