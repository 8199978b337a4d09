#include "cluster/SessionDirectory.h"

#include <algorithm>

#include "cluster/NodeRegistry.h"
#include "cluster/RedisConnection.h"

namespace parley::cluster {

namespace {

// Sets the key to the new owner only if it still names `expected` ('' = absent), so
// of two nodes placing a session at once, one wins and both return its choice.
constexpr const char* kCompareAndSet = R"lua(
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return ARGV[2]
end
return current
)lua";

// Keeps (or takes, when nobody has it) the sessions this node holds live, one key each.
constexpr const char* kKeepOrTake = R"lua(
for _, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if current == false or current == ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
  end
end
return 0
)lua";

// Keys per script call: one call holds Redis for its whole length.
constexpr std::size_t kKeysPerRefresh = 500;

constexpr const char* kDeleteIfOwner = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

}  // namespace

std::optional<NodeRecord> SessionDirectory::currentOwner(const std::string& sessionId) {
  RedisReply owner = redis_.command({"GET", key(sessionId)});
  if (owner.isNil()) return std::nullopt;
  return nodes_.find(owner.string);
}

std::optional<NodeRecord> SessionDirectory::ownerOf(const std::string& sessionId) {
  RedisReply owner = redis_.command({"GET", key(sessionId)});
  const std::string previous = owner.isNil() ? std::string() : owner.string;
  if (!previous.empty()) {
    if (auto node = nodes_.find(previous)) return node;
  }
  std::vector<NodeRecord> live = nodes_.list();
  std::erase_if(live, [](const NodeRecord& n) { return n.draining; });
  if (live.empty()) return std::nullopt;
  const NodeRecord& chosen = *std::min_element(
      live.begin(), live.end(),
      [](const NodeRecord& a, const NodeRecord& b) { return a.lessLoadedThan(b); });
  RedisReply winner = redis_.command({"EVAL", kCompareAndSet, "1", key(sessionId), previous,
                                      chosen.id, std::to_string(ttl_.count())});
  if (winner.string == chosen.id) return chosen;
  // Another node placed it first: its choice stands if that node lives.
  for (const auto& n : live)
    if (n.id == winner.string) return n;
  return nodes_.find(winner.string);
}

void SessionDirectory::refresh(const std::string& nodeId,
                               const std::vector<std::string>& sessionIds) {
  if (sessionIds.empty()) return;
  // A plain SET would also take a session another node was given meanwhile.
  std::vector<std::vector<std::string>> commands;
  for (std::size_t first = 0; first < sessionIds.size(); first += kKeysPerRefresh) {
    const std::size_t count = std::min(kKeysPerRefresh, sessionIds.size() - first);
    std::vector<std::string> command{"EVAL", kKeepOrTake, std::to_string(count)};
    for (std::size_t i = first; i < first + count; ++i) command.push_back(key(sessionIds[i]));
    command.push_back(nodeId);
    command.push_back(std::to_string(ttl_.count()));
    commands.push_back(std::move(command));
  }
  redis_.pipeline(commands);
}

void SessionDirectory::release(const std::string& nodeId, const std::string& sessionId) {
  redis_.command({"EVAL", kDeleteIfOwner, "1", key(sessionId), nodeId});
}

}  // namespace parley::cluster
