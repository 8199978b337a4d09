#include "cluster/NodeRegistry.h"

#include <algorithm>

#include "cluster/RedisConnection.h"

namespace parley::cluster {

void NodeRegistry::publish(const NodeRecord& self) {
  redis_.pipeline({{"SET", key(self.id), self.toJson(), "PX", std::to_string(ttl_.count())},
                   {"SET", seenKey(self.id), "1", "PX", std::to_string(seenTtl_.count())},
                   {"SADD", setKey(), self.id}});
}

void NodeRegistry::remove(const std::string& id) {
  redis_.pipeline(
      {{"DEL", key(id)}, {"DEL", seenKey(id)}, {"DEL", drainKey(id)}, {"SREM", setKey(), id}});
}

void NodeRegistry::requestDrain(const std::string& id) {
  // Until the node leaves (remove() clears it), or a day at most.
  redis_.command({"SET", drainKey(id), "1", "PX", "86400000"});
}

bool NodeRegistry::drainRequested(const std::string& id) {
  return redis_.command({"EXISTS", drainKey(id)}).integer != 0;
}

std::vector<NodeRecord> NodeRegistry::list() {
  RedisReply ids = redis_.command({"SMEMBERS", setKey()});
  std::vector<NodeRecord> nodes;
  if (ids.elements.empty()) return nodes;
  std::vector<std::string> mget{"MGET"};
  for (const auto& id : ids.elements) mget.push_back(key(id.string));
  RedisReply records = redis_.command(mget);
  for (std::size_t i = 0; i < ids.elements.size() && i < records.elements.size(); ++i) {
    const auto& value = records.elements[i];
    auto record = value.isNil() ? std::nullopt : NodeRecord::fromJson(value.string);
    if (record && record->id == ids.elements[i].string) nodes.push_back(std::move(*record));
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeRecord& a, const NodeRecord& b) { return a.id < b.id; });
  return nodes;
}

std::vector<std::string> NodeRegistry::sweep() {
  RedisReply ids = redis_.command({"SMEMBERS", setKey()});
  std::vector<std::string> gone;
  if (ids.elements.empty()) return gone;
  std::vector<std::vector<std::string>> checks;
  for (const auto& id : ids.elements) checks.push_back({"EXISTS", seenKey(id.string)});
  const auto seen = redis_.pipeline(checks);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i].integer != 0) continue;
    const std::string& id = ids.elements[i].string;
    if (redis_.command({"SREM", setKey(), id}).integer == 1) gone.push_back(id);
  }
  return gone;
}

std::optional<NodeRecord> NodeRegistry::find(const std::string& id) {
  RedisReply value = redis_.command({"GET", key(id)});
  if (value.isNil()) return std::nullopt;
  return NodeRecord::fromJson(value.string);
}

}  // namespace parley::cluster
