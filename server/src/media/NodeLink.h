#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/Json.h"

namespace parley::media {

// What the SFU needs of the cluster to place media on other nodes (docs/cluster.md,
// "Sessions that span nodes"): a worker of another live node for a new transport, and a
// way to send that node commands. Implemented by the cluster layer; control thread only.
class NodeLink {
 public:
  // A media worker of another node as its node record describes it.
  struct RemoteWorker {
    std::string nodeId;
    unsigned worker = 0;
    std::string ip;  // announced to clients, and where pipes from this node go
    uint16_t udpPort = 0;
    uint16_t tcpPort = 0;
    std::string fingerprint;  // the node's DTLS certificate, "sha-256" form
  };

  virtual ~NodeLink() = default;
  // A worker for a new transport on the least loaded other node but `avoid`; on a node that
  // already mirrors the stream, the worker named in `mirroring` (node id → worker), so the
  // stream crosses once per node. nullopt: no other node can take it.
  virtual std::optional<RemoteWorker> pickWorker(const std::map<std::string, unsigned>& mirroring,
                                                 const std::string& avoid = "") = 0;
  // The worker `worker` of node `nodeId` if that node is alive.
  virtual std::optional<RemoteWorker> findWorker(const std::string& nodeId, unsigned worker) = 0;
  // Sends `message` to node `nodeId` (in order with the others sent to it); false when it
  // could not be handed to the cluster.
  virtual bool send(const std::string& nodeId, const core::Json& message) = 0;
};

}  // namespace parley::media
