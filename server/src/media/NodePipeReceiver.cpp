#include "media/NodePipeReceiver.h"

#include <span>

namespace parley::media {

void NodePipeReceiver::onDatagram(uint8_t* data, size_t size, const net::SocketAddress& from,
                                  int64_t nowUs) {
  // Only the origin's worker sends on this pipe: anything else is not even decrypted.
  std::span<const uint8_t> rtp;
  NodePipeCodec::Metadata meta;
  if (!(from == origin_) || !codec_->decode(std::span<uint8_t>(data, size), rtp, meta) ||
      !pipe_->ring().push(rtp, nowUs, meta.track, meta.layer, meta.keyframe)) {
    ++refused_;
    return;
  }
  ++received_;
  pipe_->signal();
}

}  // namespace parley::media
