#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cluster/NodeRecord.h"

namespace parley::cluster {

class NodeRegistry;
class RedisConnection;

// Which node owns a session, in Redis under parley:session:<id>. A session is placed when
// a client first asks for it (session info): on the least loaded live node that is not
// draining, and it stays there (sticky) while that node lives. The owner refreshes the
// keys of its live sessions; a key outlives its session by `ttl` at most.
class SessionDirectory {
 public:
  SessionDirectory(RedisConnection& redis, NodeRegistry& nodes, std::chrono::milliseconds ttl,
                   std::string prefix = "parley:")
      : redis_(redis), nodes_(nodes), ttl_(ttl), prefix_(std::move(prefix)) {}

  // The owner of `sessionId`, placing it first if it has none or its owner is gone.
  // nullopt when no live node can take it. Throws RedisError.
  std::optional<NodeRecord> ownerOf(const std::string& sessionId);
  // The owner if the session is placed on a live node; never places. Throws RedisError.
  std::optional<NodeRecord> currentOwner(const std::string& sessionId);
  // Keeps the keys of `sessionIds` (held by `nodeId`) from expiring. Throws RedisError.
  void refresh(const std::string& nodeId, const std::vector<std::string>& sessionIds);
  // Moves a session off a node (drain): the next ownerOf places it elsewhere.
  void release(const std::string& nodeId, const std::string& sessionId);

  std::string key(const std::string& sessionId) const { return prefix_ + "session:" + sessionId; }

 private:
  RedisConnection& redis_;
  NodeRegistry& nodes_;
  std::chrono::milliseconds ttl_;
  std::string prefix_;
};

}  // namespace parley::cluster
