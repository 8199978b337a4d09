#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "media/MediaPipe.h"
#include "media/NodePipeCodec.h"
#include "media/NodePipeEndpoint.h"
#include "media/net/PacketSink.h"
#include "media/net/SocketAddress.h"
#include "obs/Metrics.h"

namespace parley::media {

// The receiving end of a pipe between nodes, on the worker that mirrors the publication: the
// worker hands it the pipe datagrams that name its pipe id; it takes them only from the
// origin worker's address, checks and opens them (NodePipeCodec) and pushes the packets into
// the MediaPipe the mirror Publication drains — the path a stream crossing between workers
// of one node takes, so the mirror fans out the same way. With feedback enabled it also
// sends the mirror's keyframe requests back to the origin. Worker thread only.
class NodePipeReceiver final : public NodePipeEndpoint {
 public:
  // `counted` (optional): a counter each packet taken adds one to (the worker's metrics).
  NodePipeReceiver(std::unique_ptr<NodePipeCodec> codec, std::shared_ptr<MediaPipe> pipe,
                   net::SocketAddress origin, obs::Metrics::Counter* counted = nullptr)
      : codec_(std::move(codec)), pipe_(std::move(pipe)), origin_(origin), counted_(counted) {}

  uint32_t pipeId() const override { return codec_->pipeId(); }
  void onDatagram(uint8_t* data, size_t size, const net::SocketAddress& from,
                  int64_t nowUs) override;

  // Keyframe requests go back to the origin through `out` (this worker) with `feedback`, a
  // sending codec of the feedback pipe. Until then requestKeyframe() does nothing.
  void enableFeedback(std::unique_ptr<NodePipeCodec> feedback, net::PacketSink& out) {
    feedback_ = std::move(feedback);
    out_ = &out;
  }
  void requestKeyframe(size_t layer);
  // Asks the origin again for packets of a track and layer that did not cross.
  void requestRetransmission(size_t track, size_t layer, std::span<const uint16_t> lost);

  // When the origin was last heard from (an authentic packet or keepalive), on the worker's
  // clock; 0 before anything came.
  int64_t lastHeardUs() const { return lastHeardUs_; }
  uint64_t keepalives() const { return keepalives_; }

  uint64_t received() const { return received_; }
  // From another address, failing the check, or finding the pipe full.
  uint64_t refused() const { return refused_; }

 private:
  std::unique_ptr<NodePipeCodec> codec_;
  std::shared_ptr<MediaPipe> pipe_;
  net::SocketAddress origin_;
  obs::Metrics::Counter* counted_;
  std::unique_ptr<NodePipeCodec> feedback_;
  net::PacketSink* out_ = nullptr;
  uint64_t received_ = 0;
  uint64_t refused_ = 0;
  uint64_t keepalives_ = 0;
  int64_t lastHeardUs_ = 0;
};

}  // namespace parley::media
