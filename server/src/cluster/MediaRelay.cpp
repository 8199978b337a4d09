#include "cluster/MediaRelay.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <limits>

#include "cluster/RedisConnection.h"
#include "cluster/RedisError.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"

namespace parley::cluster {

namespace {

obs::Metrics::Counter& messageCounter(const char* outcome) {
  return obs::Metrics::instance().counter(
      "parley_cluster_media_messages_total",
      "Media commands and news exchanged with other nodes (cascading)",
      std::string("outcome=\"") + outcome + "\"");
}

}  // namespace

MediaRelay::MediaRelay(boost::asio::io_context& io, RedisConnection& redis, Settings settings,
                       std::function<bool()> redisUp)
    : io_(io),
      redis_(redis),
      settings_(std::move(settings)),
      redisUp_(std::move(redisUp)),
      subscriber_(settings_.redisUrl, {channel(settings_.nodeId)},
                  [this, alive = alive_](const std::string&, std::string payload) {
                    if (payload.size() > settings_.maxMessageBytes) {
                      messageCounter("too_large").add();
                      return;
                    }
                    boost::asio::post(io_, [this, alive, p = std::move(payload)] {
                      if (*alive) take(p);
                    });
                  }) {}

MediaRelay::~MediaRelay() {
  stop();
}

void MediaRelay::start() {
  subscriber_.start();
}

void MediaRelay::stop() {
  *alive_ = false;
  subscriber_.stop();
}

void MediaRelay::take(const std::string& payload) {
  auto envelope = core::Json::parse(payload);
  const core::Json* message = envelope ? envelope->find("message") : nullptr;
  auto from = envelope ? envelope->getString("from") : std::nullopt;
  // A node id never holds '/' (--node-id): hosted objects are keyed "node:<id>/<session>".
  if (!message || !message->isObject() || !from || from->empty() || from->size() > 200 ||
      from->find('/') != std::string::npos || *from == settings_.nodeId) {
    messageCounter("malformed").add();
    obs::Logger::warn("malformed media message from the cluster", {});
    return;
  }
  messageCounter("received").add();
  if (deliver_) deliver_(*from, *message);
}

void MediaRelay::setNodes(std::vector<NodeRecord> nodes) {
  const auto now = std::chrono::steady_clock::now();
  std::map<std::string, std::chrono::steady_clock::time_point> renewed;
  for (const auto& n : nodes) {
    auto old = std::find_if(nodes_.begin(), nodes_.end(),
                            [&](const NodeRecord& o) { return o.id == n.id; });
    // When this node saw the record change, on its own clock: nodes' clocks may differ.
    if (old == nodes_.end() || old->heartbeatAtMs != n.heartbeatAtMs) {
      placedSinceRecord_.erase(n.id);
      renewed[n.id] = now;
    } else if (auto seen = renewedAt_.find(n.id); seen != renewedAt_.end()) {
      renewed[n.id] = seen->second;
    }
  }
  renewedAt_ = std::move(renewed);
  nodes_ = std::move(nodes);
}

bool MediaRelay::usable(const NodeRecord& n) const {
  // Silent for three heartbeats (plus the one between two listings): passed over.
  auto seen = renewedAt_.find(n.id);
  return n.id != settings_.nodeId && !n.draining && !n.mediaWorkers.empty() && !n.mediaIp.empty() &&
         !n.mediaFingerprint.empty() && seen != renewedAt_.end() &&
         std::chrono::steady_clock::now() - seen->second <= 4 * settings_.heartbeat;
}

media::NodeLink::RemoteWorker MediaRelay::describe(const NodeRecord& n, unsigned worker) {
  RemoteWorker w;
  w.nodeId = n.id;
  w.worker = worker;
  w.ip = n.mediaIp;
  w.udpPort = static_cast<uint16_t>(n.mediaWorkers[worker].udpPort);
  w.tcpPort = static_cast<uint16_t>(n.mediaWorkers[worker].tcpPort);
  w.fingerprint = n.mediaFingerprint;
  return w;
}

std::optional<media::NodeLink::RemoteWorker> MediaRelay::pickWorker(
    const std::map<std::string, unsigned>& mirroring, const std::string& avoid) {
  if (redisUp_ && !redisUp_()) return std::nullopt;
  // A worker's load: what its node's last record said, plus what this node placed on it
  // since.
  auto placed = [this](const std::string& node, size_t worker) -> std::int64_t {
    auto it = placedSinceRecord_.find(node);
    return it != placedSinceRecord_.end() && worker < it->second.size() ? it->second[worker] : 0;
  };
  const NodeRecord* best = nullptr;
  std::int64_t bestLoad = std::numeric_limits<std::int64_t>::max();
  for (const auto& n : nodes_) {
    if (!usable(n) || n.id == avoid) continue;
    std::int64_t load = 0;
    for (size_t i = 0; i < n.mediaWorkers.size(); ++i)
      load += n.mediaWorkers[i].transports + placed(n.id, i);
    if (load < bestLoad) {
      best = &n;
      bestLoad = load;
    }
  }
  if (!best) return std::nullopt;
  unsigned worker = 0;
  if (auto m = mirroring.find(best->id);
      m != mirroring.end() && m->second < best->mediaWorkers.size()) {
    worker = m->second;  // the stream already crosses to that worker
  } else {
    auto load = [&](unsigned i) { return best->mediaWorkers[i].transports + placed(best->id, i); };
    for (unsigned i = 1; i < best->mediaWorkers.size(); ++i)
      if (load(i) < load(worker)) worker = i;
  }
  auto& counts = placedSinceRecord_[best->id];
  counts.resize(std::max(counts.size(), best->mediaWorkers.size()));
  ++counts[worker];
  return describe(*best, worker);
}

std::optional<media::NodeLink::RemoteWorker> MediaRelay::findWorker(const std::string& nodeId,
                                                                    unsigned worker) {
  for (const auto& n : nodes_)
    if (n.id == nodeId && usable(n) && worker < n.mediaWorkers.size()) return describe(n, worker);
  return std::nullopt;
}

bool MediaRelay::send(const std::string& nodeId, const core::Json& message) {
  if (redisUp_ && !redisUp_()) {
    messageCounter("redis_down").add();
    return false;
  }
  const std::string payload =
      core::Json::object({{"from", settings_.nodeId}, {"message", message}}).dump();
  try {
    if (redis_.command({"PUBLISH", channel(nodeId), payload}).integer > 0) {
      messageCounter("sent").add();
      return true;
    }
    messageCounter("not_listening").add();
  } catch (const RedisError& e) {
    messageCounter("redis_error").add();
    obs::Logger::warn("cannot send a media message", {{"node", nodeId}, {"error", e.what()}});
  }
  return false;
}

}  // namespace parley::cluster
