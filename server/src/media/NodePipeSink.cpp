#include "media/NodePipeSink.h"

#include <span>

namespace parley::media {

void NodePipeSink::onPacket(const Packet& packet) {
  if (packet.track > 0xFF || packet.layer > NodePipeCodec::kMaxLayer) {
    ++dropped_;
    return;
  }
  uint8_t* slot = out_.reserve();
  const size_t size = codec_->encode(
      std::span<const uint8_t>(packet.rtp.data(), packet.rtp.size()),
      {static_cast<uint8_t>(packet.track), static_cast<uint8_t>(packet.layer), packet.keyframe},
      std::span<uint8_t>(slot, net::PacketSink::kSlotSize));
  if (size == 0) {
    ++dropped_;
    return;
  }
  out_.commit(size, peer_);
  ++sent_;
  lastSentUs_ = packet.arrivalUs;
  if (counted_) counted_->add();
}

void NodePipeSink::onSenderReport(const SenderReport& report) {
  if (report.track > 0xFF || report.layer > NodePipeCodec::kMaxLayer) return;
  uint8_t* slot = out_.reserve();
  const size_t size = codec_->encodeSenderReport(
      {static_cast<uint8_t>(report.track), static_cast<uint8_t>(report.layer), report.ntpTimestamp,
       report.rtpTimestamp},
      std::span<uint8_t>(slot, net::PacketSink::kSlotSize));
  if (size) out_.commit(size, peer_);
}

void NodePipeSink::tick(int64_t nowUs) {
  if (nowUs - lastSentUs_ < kKeepaliveIntervalUs) return;
  uint8_t* slot = out_.reserve();
  const size_t size = codec_->encodeKeepalive(std::span<uint8_t>(slot, net::PacketSink::kSlotSize));
  if (size) out_.commit(size, peer_);
  lastSentUs_ = nowUs;
}

}  // namespace parley::media
