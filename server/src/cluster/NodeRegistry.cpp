#include "cluster/NodeRegistry.h"

#include <algorithm>

#include "cluster/RedisConnection.h"

namespace parley::cluster {

void NodeRegistry::publish(const NodeRecord& self) {
  redis_.pipeline({{"SET", key(self.id), self.toJson(), "PX", std::to_string(ttl_.count())},
                   {"SADD", setKey(), self.id}});
}

void NodeRegistry::remove(const std::string& id) {
  redis_.pipeline({{"DEL", key(id)}, {"SREM", setKey(), id}});
}

std::vector<NodeRecord> NodeRegistry::list() {
  RedisReply ids = redis_.command({"SMEMBERS", setKey()});
  std::vector<NodeRecord> nodes;
  if (ids.elements.empty()) return nodes;
  std::vector<std::string> mget{"MGET"};
  for (const auto& id : ids.elements) mget.push_back(key(id.string));
  RedisReply records = redis_.command(mget);
  std::vector<std::string> gone{"SREM", setKey()};
  for (std::size_t i = 0; i < ids.elements.size() && i < records.elements.size(); ++i) {
    const auto& value = records.elements[i];
    auto record = value.isNil() ? std::nullopt : NodeRecord::fromJson(value.string);
    if (record && record->id == ids.elements[i].string)
      nodes.push_back(std::move(*record));
    else
      gone.push_back(ids.elements[i].string);
  }
  if (gone.size() > 2) redis_.command(gone);
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeRecord& a, const NodeRecord& b) { return a.id < b.id; });
  return nodes;
}

std::optional<NodeRecord> NodeRegistry::find(const std::string& id) {
  RedisReply value = redis_.command({"GET", key(id)});
  if (value.isNil()) return std::nullopt;
  return NodeRecord::fromJson(value.string);
}

}  // namespace parley::cluster
