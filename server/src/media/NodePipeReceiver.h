#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "media/MediaPipe.h"
#include "media/NodePipeCodec.h"
#include "media/net/SocketAddress.h"

namespace parley::media {

// The receiving end of a pipe between nodes, on the worker that mirrors the publication: the
// worker hands it the pipe datagrams that name its pipe id; it takes them only from the
// origin worker's address, checks and opens them (NodePipeCodec) and pushes the packets into
// the MediaPipe the mirror Publication drains — the path a stream crossing between workers
// of one node takes, so the mirror fans out the same way. Worker thread only.
class NodePipeReceiver {
 public:
  NodePipeReceiver(std::unique_ptr<NodePipeCodec> codec, std::shared_ptr<MediaPipe> pipe,
                   net::SocketAddress origin)
      : codec_(std::move(codec)), pipe_(std::move(pipe)), origin_(origin) {}

  uint32_t pipeId() const { return codec_->pipeId(); }
  // One datagram that named this pipe; `data` is opened in place.
  void onDatagram(uint8_t* data, size_t size, const net::SocketAddress& from, int64_t nowUs);

  uint64_t received() const { return received_; }
  // From another address, failing the check, or finding the pipe full.
  uint64_t refused() const { return refused_; }

 private:
  std::unique_ptr<NodePipeCodec> codec_;
  std::shared_ptr<MediaPipe> pipe_;
  net::SocketAddress origin_;
  uint64_t received_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace parley::media
