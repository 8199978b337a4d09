#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cluster/NodeRecord.h"

namespace parley::cluster {

class RedisConnection;

// The nodes of a cluster in Redis: each node writes its record under
// parley:node:<id> with a TTL at every heartbeat and adds its id to the set parley:nodes;
// a node whose record expired (it died, or lost Redis) is gone from list().
class NodeRegistry {
 public:
  // `prefix` namespaces the keys (two clusters, or tests, on one Redis).
  NodeRegistry(RedisConnection& redis, std::chrono::milliseconds ttl,
               std::string prefix = "parley:")
      : redis_(redis), ttl_(ttl), prefix_(std::move(prefix)) {}

  // Writes `self` (a heartbeat). Throws RedisError.
  void publish(const NodeRecord& self);
  // Removes `id` at once (a clean stop), without waiting for the TTL.
  void remove(const std::string& id);
  // Live nodes, by id; ids whose record expired are dropped from the set. Throws RedisError.
  std::vector<NodeRecord> list();
  std::optional<NodeRecord> find(const std::string& id);

  std::string key(const std::string& id) const { return prefix_ + "node:" + id; }
  std::string setKey() const { return prefix_ + "nodes"; }

 private:
  RedisConnection& redis_;
  std::chrono::milliseconds ttl_;
  std::string prefix_;
};

}  // namespace parley::cluster
