#include "load/PublishedTrack.h"

#include <algorithm>
#include <cstring>

#include "load/AbsCaptureTime.h"
#include "media/ByteOrder.h"

namespace parley::load {

namespace {

// RTP header with the mid and abs-capture-time extensions, as writePacket() builds it.
constexpr double kHeaderBytes = 28;

// The clip's mean rate in bytes per second, headers included.
double meanBytesPerSecond(const std::vector<PacketizedFrame>& frames, uint32_t clockRate) {
  double bytes = 0;
  double ticks = 0;
  for (const PacketizedFrame& f : frames) {
    for (const auto& p : f.payloads) bytes += kHeaderBytes + static_cast<double>(p.size());
    ticks += f.duration;
  }
  return ticks > 0 ? bytes * clockRate / ticks : 0;
}

}  // namespace

PublishedTrack::PublishedTrack(Settings settings, uint32_t firstTimestamp, uint16_t firstSequence)
    : settings_(std::move(settings)),
      timestamp_(firstTimestamp),
      sequence_(firstSequence),
      history_(std::make_unique<std::array<Sent, kHistory>>()) {
  if (settings_.pacingFactor > 0 && settings_.frames)
    pacingBytesPerSecond_ =
        settings_.pacingFactor * meanBytesPerSecond(*settings_.frames, settings_.clockRate);
  pacer_ = Pacer(pacingBytesPerSecond_);
}

int64_t PublishedTrack::nextDueUs() const {
  if (framesWaiting_ == 0) return nextFrameUs_;
  const PacketizedFrame& frame = (*settings_.frames)[frameIndex_];
  const size_t size =
      packet_ < frame.payloads.size() ? frame.payloads[packet_].size() + kHeaderBytes : 0;
  return std::min(nextFrameUs_, pacer_.readyAtUs(size));
}

int64_t PublishedTrack::durationUs(const PacketizedFrame& frame) const {
  // At least 1 µs: a frame of no duration must not stop the capture clock.
  return std::max<int64_t>(1, static_cast<int64_t>(frame.duration) * 1000000 / settings_.clockRate);
}

void PublishedTrack::captureDueFrames(int64_t nowUs) {
  const auto& frames = *settings_.frames;
  // A loop that fell far behind (a stalled thread) skips the missed captures instead of
  // bursting them, by whole frame intervals: the track keeps its own phase. Restarting
  // every such track at `nowUs` put all the publishers a stall had caught (the tool's
  // thread busy with a storm of DTLS handshakes) in step for the rest of the run, each of
  // their frames reaching the server in the same instant as all the others'.
  const int64_t behind = nowUs - nextFrameUs_;
  if (behind > kMaxBehindUs) {
    const int64_t interval = durationUs(frames[(frameIndex_ + framesWaiting_) % frames.size()]);
    nextFrameUs_ += behind / interval * interval;
  }
  while (nowUs >= nextFrameUs_) {
    nextFrameUs_ += durationUs(frames[(frameIndex_ + framesWaiting_) % frames.size()]);
    if (framesWaiting_ < kMaxWaitingFrames)
      ++framesWaiting_;
    else
      ++framesDropped_;
  }
}

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

size_t PublishedTrack::send(int64_t nowUs, uint64_t sendNtp, PacketBatch& out) {
  const auto& frames = *settings_.frames;
  if (frames.empty()) return 0;
  captureDueFrames(nowUs);
  if (framesWaiting_ == 0) return 0;
  if (packet_ == 0 && keyframeWanted_) {
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
  while (packet_ < frame.payloads.size()) {
    uint8_t* slot = out.next();
    if (!slot) break;  // the batch is full: the rest goes in the next one
    const bool last = packet_ + 1 == frame.payloads.size();
    size_t size = writePacket(frame.payloads[packet_], last, sendNtp, slot);
    if (size == 0) {  // too large to send: skipped
      ++packet_;
      continue;
    }
    if (pacer_.readyAtUs(size) > nowUs) break;
    pacer_.sent(nowUs, size);
    Sent& s = (*history_)[sequence_ % kHistory];
    s.sequence = sequence_;
    s.size = static_cast<uint16_t>(size);
    std::memcpy(s.bytes.data(), slot, size);
    out.commit(size);
    ++sequence_;
    ++packetsSent_;
    bytesSent_ += size;
    ++count;
    ++packet_;
  }
  if (packet_ >= frame.payloads.size()) finishFrame();
  return count;
}

void PublishedTrack::finishFrame() {
  const PacketizedFrame& frame = (*settings_.frames)[frameIndex_];
  ++framesSent_;
  if (frame.keyframe && settings_.video) ++keyframesSent_;
  if (settings_.codec == ClipCodec::Vp8) pictureId_ = (pictureId_ + 1) & 0x7FFF;
  timestamp_ += frame.duration;
  frameIndex_ = (frameIndex_ + 1) % settings_.frames->size();
  packet_ = 0;
  --framesWaiting_;
}

size_t PublishedTrack::copyForRetransmission(uint16_t seq, uint8_t* out) const {
  const Sent& s = (*history_)[seq % kHistory];
  if (s.size == 0 || s.sequence != seq) return 0;
  std::memcpy(out, s.bytes.data(), s.size);
  return s.size;
}

}  // namespace parley::load
