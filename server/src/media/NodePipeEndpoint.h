#pragma once

#include <cstddef>
#include <cstdint>

#include "media/net/SocketAddress.h"

namespace parley::media {

// Whatever a worker hands the pipe datagrams of one pipe id to (Worker::registerNodePipe):
// the mirror's end of a stream crossing from another node (NodePipeReceiver), or the
// origin's end of that pipe's feedback (NodePipeFeedbackReceiver). Worker thread only.
class NodePipeEndpoint {
 public:
  virtual ~NodePipeEndpoint() = default;
  virtual uint32_t pipeId() const = 0;
  // One datagram that named this pipe id; `data` may be opened in place.
  virtual void onDatagram(uint8_t* data, size_t size, const net::SocketAddress& from,
                          int64_t nowUs) = 0;
};

}  // namespace parley::media
