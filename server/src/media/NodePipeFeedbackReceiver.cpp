#include "media/NodePipeFeedbackReceiver.h"

#include <span>

namespace parley::media {

void NodePipeFeedbackReceiver::onDatagram(uint8_t* data, size_t size,
                                          const net::SocketAddress& from, int64_t) {
  uint8_t layer = 0;
  if (!(from == mirror_) || !codec_->decodeKeyframeRequest(std::span<uint8_t>(data, size), layer)) {
    ++refused_;
    return;
  }
  ++requests_;
  if (requestKeyframe_) requestKeyframe_(layer);
}

}  // namespace parley::media
