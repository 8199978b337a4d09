#include "media/NodePipeFeedbackReceiver.h"

#include <span>

namespace parley::media {

void NodePipeFeedbackReceiver::onDatagram(uint8_t* data, size_t size,
                                          const net::SocketAddress& from, int64_t) {
  const std::span<uint8_t> datagram(data, size);
  if (!(from == mirror_)) {
    ++refused_;
    return;
  }
  uint8_t layer = 0;
  if (NodePipeCodec::peekFeedbackKind(datagram) == 2) {
    uint16_t lost[NodePipeCodec::kMaxNacked];
    uint8_t track = 0;
    const size_t n = codec_->decodeNack(datagram, track, layer, lost);
    if (n == 0) {
      ++refused_;
      return;
    }
    ++requests_;
    if (retransmit_) retransmit_(track, layer, std::span<const uint16_t>(lost, n));
    return;
  }
  if (!codec_->decodeKeyframeRequest(datagram, layer)) {
    ++refused_;
    return;
  }
  ++requests_;
  if (requestKeyframe_) requestKeyframe_(layer);
}

}  // namespace parley::media
