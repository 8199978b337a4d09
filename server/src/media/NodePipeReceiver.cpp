#include "media/NodePipeReceiver.h"

#include <algorithm>
#include <span>

namespace parley::media {

void NodePipeReceiver::onDatagram(uint8_t* data, size_t size, const net::SocketAddress& from,
                                  int64_t nowUs) {
  // Only the origin's worker sends on this pipe: anything else is not even decrypted.
  const std::span<uint8_t> datagram(data, size);
  if (from == origin_ && NodePipeCodec::isKeepalive(datagram)) {
    if (!codec_->decodeKeepalive(datagram)) {
      ++refused_;
      return;
    }
    ++keepalives_;
    lastHeardUs_ = nowUs;
    return;
  }
  if (from == origin_ && NodePipeCodec::isSenderReport(datagram)) {
    NodePipeCodec::SenderReport report;
    if (!codec_->decodeSenderReport(datagram, report) ||
        !pipe_->ring().pushSenderReport(report.track, report.ntpTimestamp, report.rtpTimestamp,
                                        nowUs, report.layer)) {
      ++refused_;
      return;
    }
    lastHeardUs_ = nowUs;
    pipe_->signal();
    return;
  }
  std::span<const uint8_t> rtp;
  NodePipeCodec::Metadata meta;
  if (!(from == origin_) || !codec_->decode(datagram, rtp, meta)) {
    ++refused_;
    return;
  }
  lastHeardUs_ = nowUs;
  if (!pipe_->ring().push(rtp, nowUs, meta.track, meta.layer, meta.keyframe)) {
    ++refused_;
    return;
  }
  ++received_;
  if (counted_) counted_->add();
  pipe_->signal();
}

void NodePipeReceiver::requestKeyframe(size_t layer) {
  if (!feedback_ || !out_ || layer > 0xFF) return;
  uint8_t* slot = out_->reserve();
  const size_t size = feedback_->encodeKeyframeRequest(
      static_cast<uint8_t>(layer), std::span<uint8_t>(slot, net::PacketSink::kSlotSize));
  if (size) out_->commit(size, origin_);
}

}  // namespace parley::media

namespace parley::media {

void NodePipeReceiver::requestRetransmission(size_t track, size_t layer,
                                             std::span<const uint16_t> lost) {
  if (!feedback_ || !out_ || track > 0xFF || layer > NodePipeCodec::kMaxLayer) return;
  while (!lost.empty()) {
    const auto part = lost.first(std::min(lost.size(), NodePipeCodec::kMaxNacked));
    uint8_t* slot = out_->reserve();
    const size_t size =
        feedback_->encodeNack(static_cast<uint8_t>(track), static_cast<uint8_t>(layer), part,
                              std::span<uint8_t>(slot, net::PacketSink::kSlotSize));
    if (size) out_->commit(size, origin_);
    lost = lost.subspan(part.size());
  }
}

}  // namespace parley::media
