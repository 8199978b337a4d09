#pragma once

#include <cstdint>
#include <memory>

#include "media/MediaSink.h"
#include "media/NodePipeCodec.h"
#include "media/net/PacketSink.h"
#include "media/net/SocketAddress.h"
#include "obs/Metrics.h"

namespace parley::media {

// The sending end of a pipe between nodes (NodePipeCodec): attached to a publication like any
// sink, it sends each forwarded packet once, as a pipe datagram, to the worker of the other
// node that mirrors the publication — through the origin worker's own socket, in its batch.
class NodePipeSink final : public MediaSink {
 public:
  // `counted` (optional): a counter each packet sent adds one to (the worker's metrics).
  NodePipeSink(std::unique_ptr<NodePipeCodec> codec, net::PacketSink& out, net::SocketAddress peer,
               obs::Metrics::Counter* counted = nullptr)
      : codec_(std::move(codec)), out_(out), peer_(peer), counted_(counted) {}

  uint32_t pipeId() const { return codec_->pipeId(); }

  // A keepalive goes out when nothing has crossed for this long (NodePipeCodec), so the
  // mirroring node can tell a quiet stream from a pipe whose origin stopped.
  static constexpr int64_t kKeepaliveIntervalUs = 1'000'000;

  void onPacket(const Packet& packet) override;
  void onSenderReport(const SenderReport& report) override;
  void onSourceGone() override { gone_ = true; }
  // Called every worker tick: sends a keepalive when the pipe has been quiet.
  void tick(int64_t nowUs);

  uint64_t sent() const { return sent_; }
  uint64_t dropped() const { return dropped_; }  // too large, or not RTP
  bool sourceGone() const { return gone_; }

 private:
  std::unique_ptr<NodePipeCodec> codec_;
  net::PacketSink& out_;
  net::SocketAddress peer_;
  obs::Metrics::Counter* counted_;
  uint64_t sent_ = 0;
  uint64_t dropped_ = 0;
  int64_t lastSentUs_ = 0;
  bool gone_ = false;
};

}  // namespace parley::media
