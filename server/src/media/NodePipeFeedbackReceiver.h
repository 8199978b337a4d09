#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "media/NodePipeCodec.h"
#include "media/NodePipeEndpoint.h"

namespace parley::media {

// The origin's end of a pipe's feedback: keyframe requests the mirroring node sends back
// (its subscribers joined or lost packets), taken only from that node's worker address and
// only when authentic, then handed to `requestKeyframe` (the origin publication's own
// request, which the publisher's throttling covers); and retransmission requests for
// packets that did not cross, handed to the retransmit callback. Worker thread only.
class NodePipeFeedbackReceiver final : public NodePipeEndpoint {
 public:
  NodePipeFeedbackReceiver(std::unique_ptr<NodePipeCodec> codec, net::SocketAddress mirror,
                           std::function<void(size_t layer)> requestKeyframe)
      : codec_(std::move(codec)), mirror_(mirror), requestKeyframe_(std::move(requestKeyframe)) {}

  using Retransmit = std::function<void(uint8_t track, uint8_t layer, std::span<const uint16_t>)>;
  void onRetransmissionRequest(Retransmit retransmit) { retransmit_ = std::move(retransmit); }

  uint32_t pipeId() const override { return codec_->pipeId(); }
  void onDatagram(uint8_t* data, size_t size, const net::SocketAddress& from,
                  int64_t nowUs) override;

  uint64_t requests() const { return requests_; }
  uint64_t refused() const { return refused_; }

 private:
  std::unique_ptr<NodePipeCodec> codec_;
  net::SocketAddress mirror_;
  std::function<void(size_t)> requestKeyframe_;
  Retransmit retransmit_;
  uint64_t requests_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace parley::media
