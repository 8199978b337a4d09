#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cluster/NodeRecord.h"

namespace parley::cluster {

class RedisConnection;

// The nodes of a cluster in Redis: each node writes its record under
// parley:node:<id> with a TTL at every heartbeat, a "seen" mark with a longer TTL, and adds
// its id to the set parley:nodes. A node whose record expired (it died, or lost Redis) is
// gone from list(); one not seen for the longer time is swept out of the set by one of the
// others, which then takes over what it left (open subjects, claims, recordings).
class NodeRegistry {
 public:
  // `prefix` namespaces the keys (two clusters, or tests, on one Redis). `seenTtl`: how long
  // a silent node keeps what it holds before another takes it over.
  NodeRegistry(RedisConnection& redis, std::chrono::milliseconds ttl,
               std::string prefix = "parley:",
               std::chrono::milliseconds seenTtl = std::chrono::seconds(30))
      : redis_(redis), ttl_(ttl), seenTtl_(seenTtl), prefix_(std::move(prefix)) {}

  // Writes `self` (a heartbeat). Throws RedisError.
  void publish(const NodeRecord& self);
  // Removes `id` at once (a clean stop), without waiting for the TTL.
  void remove(const std::string& id);
  // Live nodes, by id. Throws RedisError.
  std::vector<NodeRecord> list();
  // Ids in the set not seen for the seen TTL, removed from it; each id comes back to one
  // caller only (SREM answers 1 once), whichever node sweeps first. Throws RedisError.
  std::vector<std::string> sweep();
  std::optional<NodeRecord> find(const std::string& id);
  // Asks node `id` to drain (it sees the request at its next heartbeat). Throws RedisError.
  void requestDrain(const std::string& id);
  bool drainRequested(const std::string& id);

  std::string key(const std::string& id) const { return prefix_ + "node:" + id; }
  std::string setKey() const { return prefix_ + "nodes"; }
  std::string seenKey(const std::string& id) const { return prefix_ + "seen:" + id; }
  std::string drainKey(const std::string& id) const { return prefix_ + "drain:" + id; }

 private:
  RedisConnection& redis_;
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds seenTtl_;
  std::string prefix_;
};

}  // namespace parley::cluster
