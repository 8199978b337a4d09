#include "cluster/ClusterNode.h"

#include <algorithm>

#include "cluster/RedisError.h"
#include "cluster/WebSocketRelay.h"
#include "core/Clock.h"
#include "core/HttpUrl.h"
#include "core/Json.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"
#include "session/LiveSession.h"
#include "session/OutboundMessage.h"
#include "session/SessionManager.h"
#include "store/Store.h"

namespace parley::cluster {

namespace {

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

RequestForwarder::Settings forwarderSettings(const ClusterNode::Settings& s) {
  RequestForwarder::Settings out;
  out.nodeId = s.nodeId;
  out.redisUrl = s.redisUrl;
  out.timeout = s.forwardTimeout;
  out.prefix = s.keyPrefix;
  return out;
}

}  // namespace

ClusterNode::ClusterNode(boost::asio::io_context& io, Settings settings,
                         session::SessionManager& sessions, store::Store& store,
                         RequestForwarder::LocalHandler local)
    : settings_(std::move(settings)),
      sessions_(sessions),
      store_(store),
      redis_(settings_.redisUrl, settings_.redisTimeout),
      registry_(redis_, settings_.nodeTtl, settings_.keyPrefix, settings_.takeoverAfter),
      directory_(redis_, registry_, settings_.sessionTtl, settings_.keyPrefix),
      forwarder_(io, redis_, forwarderSettings(settings_), std::move(local)),
      media_(io, redis_,
             MediaRelay::Settings{settings_.nodeId, settings_.redisUrl, settings_.keyPrefix,
                                  settings_.heartbeat},
             [this] { return !redisDown_; }),
      io_(io),
      timer_(io) {}

ClusterNode::~ClusterNode() {
  stop();
}

NodeRecord ClusterNode::selfRecord() const {
  NodeRecord r;
  r.id = settings_.nodeId;
  r.publicUrl = settings_.publicUrl;
  r.rtcIp = settings_.rtcIp;
  r.rtcPort = settings_.rtcPort;
  r.connections = static_cast<std::int64_t>(sessions_.connectionCount());
  const auto live = sessions_.liveSessionIds();
  r.sessions = static_cast<std::int64_t>(live.size());
  for (const auto& id : live) r.streams += static_cast<std::int64_t>(sessions_.streams(id).size());
  r.draining = draining_;
  r.startedAtMs = startedAtMs_;
  r.heartbeatAtMs = core::Clock::nowMs();
  if (settings_.describeMedia) settings_.describeMedia(r);
  return r;
}

void ClusterNode::start() {
  startedAtMs_ = core::Clock::nowMs();
  healthySinceMs_ = startedAtMs_;
  registry_.publish(selfRecord());  // throws: a node that cannot reach Redis does not start
  forwarder_.start();
  media_.start();
  auto& metrics = obs::Metrics::instance();
  metrics.gauge("parley_cluster_redis_up", "1 while this node reaches Redis",
                [this] { return redisDown_ ? 0.0 : 1.0; });
  obs::Logger::info("joined the cluster",
                    {{"nodeId", settings_.nodeId}, {"redis", settings_.redisUrl}});
  scheduleHeartbeat();
}

void ClusterNode::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  forwarder_.stop();
  media_.stop();
  for (auto& weak : relays_)
    if (auto relay = weak.lock()) relay->shutdown();
  relays_.clear();
  try {
    registry_.remove(settings_.nodeId);
  } catch (const RedisError&) {
    // Gone from Redis anyway once its record's TTL runs out.
  }
}

void ClusterNode::scheduleHeartbeat() {
  timer_.expires_after(settings_.heartbeat);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    heartbeat();
    scheduleHeartbeat();
  });
}

void ClusterNode::heartbeat() {
  // While Redis is down only the heartbeat tries it, every 1, 2, 4… up to 8 beats, so an
  // unreachable Redis (a connect that waits for its timeout) holds this thread rarely.
  if (redisDown_ && ++beatsSinceTrouble_ < retryEvery_) return;
  beatsSinceTrouble_ = 0;
  try {
    if (!draining_ && registry_.drainRequested(settings_.nodeId)) drain();
    registry_.publish(selfRecord());
    {
      auto nodes = registry_.list();
      std::set<std::string> live;
      for (const auto& n : nodes) live.insert(n.id);
      live.insert(settings_.nodeId);
      media_.setNodes(std::move(nodes));
      // After a Redis outage every record has expired: the others get the time to write
      // theirs again before what this node hosts for them, or has on them, is dropped.
      const auto settled = settings_.nodeTtl.count() + 2 * settings_.heartbeat.count();
      if (liveNodes_ && !redisDown_ && core::Clock::nowMs() - healthySinceMs_ >= settled)
        liveNodes_(live);
    }
    // A draining node keeps nothing: its clients are moving to other nodes.
    if (draining_)
      releaseAndNotify();
    else
      directory_.refresh(settings_.nodeId, sessions_.liveSessionIds());
    if (redisDown_) healthySinceMs_ = core::Clock::nowMs();
    // Every other beat: nodes silent for longer than takeoverAfter. Only the node whose
    // sweep removed an id takes it over. Not until this node has reached Redis for that
    // long plus the longest retry pause: after an outage every node's mark has expired,
    // and live nodes must get the time to mark themselves again before anyone sweeps.
    const auto settled = settings_.takeoverAfter.count() + 8 * settings_.heartbeat.count();
    if (++beats_ % 2 == 0 && core::Clock::nowMs() - healthySinceMs_ >= settled) {
      for (const auto& gone : registry_.sweep()) {
        if (gone == settings_.nodeId) continue;
        obs::Logger::warn("a node went silent: taking over what it left", {{"node", gone}});
        try {
          if (nodeGone_) nodeGone_(gone);
        } catch (const std::exception& e) {
          obs::Logger::error("taking over a silent node failed",
                             {{"node", gone}, {"error", e.what()}});
        }
      }
    }
    if (redisDown_) obs::Logger::info("redis reachable again", {{"nodeId", settings_.nodeId}});
    redisDown_ = false;
    retryEvery_ = 1;
  } catch (const RedisError& e) {
    if (redisDown_) retryEvery_ = std::min(retryEvery_ * 2, 8);
    redisTrouble(e);
  }
}

void ClusterNode::redisTrouble(const std::exception& e) {
  if (!redisDown_) {
    obs::Logger::error("redis unreachable: this node answers for itself until it is back",
                       {{"nodeId", settings_.nodeId}, {"error", e.what()}});
  }
  redisDown_ = true;
}

void ClusterNode::drain() {
  if (draining_) return;
  draining_ = true;
  obs::Logger::warn("draining: sessions move to other nodes",
                    {{"nodeId", settings_.nodeId},
                     {"connections", static_cast<long long>(sessions_.connectionCount())}});
  try {
    registry_.publish(selfRecord());  // no placement here from now on
  } catch (const RedisError& e) {
    redisTrouble(e);
  }
  releaseAndNotify();
}

void ClusterNode::releaseAndNotify() {
  for (const auto& sessionId : sessions_.liveSessionIds()) {
    try {
      directory_.release(settings_.nodeId, sessionId);
    } catch (const RedisError& e) {
      redisTrouble(e);
    }
    // Told once per session; clients that connect later (a late joiner that still had
    // this node's URL) are told at the next heartbeat.
    const auto* live = sessions_.session(sessionId);
    if (!live) continue;
    std::vector<std::string> fresh;
    for (const auto& [connectionId, connection] : live->connections)
      if (notified_.insert(connectionId).second) fresh.push_back(connectionId);
    if (fresh.empty()) continue;
    for (const auto& connectionId : fresh) {
      sessions_.notifyConnection(
          connectionId, session::OutboundMessage{std::string(session::kServerAddress),
                                                 "notification", live->uri() + "/notification",
                                                 core::Json::object({{"reason", "serverRotation"}}),
                                                 std::nullopt});
    }
  }
}

std::string ClusterNode::ownerUrl(const std::string& sessionId) {
  if (redisDown_) return {};
  try {
    auto owner = directory_.ownerOf(sessionId);
    if (!owner || owner->id == settings_.nodeId) return {};
    return owner->publicUrl;
  } catch (const RedisError& e) {
    redisTrouble(e);
    return {};
  }
}

std::string ClusterNode::otherNodeUrl(const std::string& nodeId) {
  if (redisDown_ || nodeId == settings_.nodeId) return {};
  try {
    auto node = registry_.find(nodeId);
    return node ? node->publicUrl : std::string();
  } catch (const RedisError& e) {
    redisTrouble(e);
    return {};
  }
}

std::optional<std::string> ClusterNode::sessionOf(const http::HttpRequest& request,
                                                  const http::PathParams& params, bool& place) {
  if (!startsWith(request.path, "/v2/project/")) return std::nullopt;
  if (auto it = params.find("sessionId"); it != params.end()) return it->second;
  const auto key = params.find("apiKey");
  if (key == params.end()) return std::nullopt;
  const std::string base = "/v2/project/" + key->second;
  // Starting an archive or a broadcast: the session is in the body. It is placed now if
  // nobody has asked for it yet, so the recording runs where its clients will be.
  if (request.method == "POST" &&
      (request.path == base + "/archive" || request.path == base + "/broadcast")) {
    auto body = core::Json::parse(request.body);
    if (!body) return std::nullopt;
    place = true;
    return body->getString("sessionId");
  }
  // A broadcast lives in the memory of the node that runs it.
  if (auto id = params.find("broadcastId"); id != params.end()) {
    RedisReply session = redis_.command({"GET", broadcastKey(id->second)});
    if (session.isNil()) return std::nullopt;
    return session.string;
  }
  // An archive's actions (stop, layout, streams) act where its session is recorded.
  if (auto id = params.find("archiveId"); id != params.end() &&
                                          startsWith(request.path, base + "/archive/") &&
                                          request.method != "GET" && request.method != "DELETE") {
    if (auto archive = store_.findArchive(key->second, id->second)) return archive->sessionId;
  }
  return std::nullopt;
}

std::optional<std::string> ClusterNode::archiveHolder(const http::HttpRequest& request,
                                                      const http::PathParams& params) {
  const auto key = params.find("apiKey");
  const auto id = params.find("archiveId");
  if (request.method != "DELETE" || key == params.end() || id == params.end() ||
      request.path != "/v2/project/" + key->second + "/archive/" + id->second)
    return std::nullopt;
  // Before the route authenticates, as for sessions: one database read for an archive of
  // the project in the path, one Redis read for its node; the holder authenticates.
  const auto archive = store_.findArchive(key->second, id->second);
  if (!archive || archive->nodeId.empty() || archive->nodeId == settings_.nodeId)
    return std::nullopt;
  if (!registry_.find(archive->nodeId)) return std::nullopt;  // gone: deleted here
  return archive->nodeId;
}

std::optional<http::HttpResponse> ClusterNode::routeRest(http::HttpRequest& request,
                                                         const http::PathParams& params) {
  if (redisDown_) return std::nullopt;
  try {
    if (auto holder = archiveHolder(request, params)) return forwarder_.forward(request, *holder);
    bool place = false;
    auto sessionId = sessionOf(request, params, place);
    if (!sessionId || sessionId->empty()) return std::nullopt;
    // This runs before the route authenticates: only a session of the project in the path,
    // known to the database, is looked up, placed or forwarded, so a caller holding nothing
    // cannot fill Redis with placements of made-up ids. Anything else is answered here.
    const auto key = params.find("apiKey");
    const auto record = store_.findSession(*sessionId);
    if (key == params.end() || !record || record->apiKey != key->second) return std::nullopt;
    auto owner = place ? directory_.ownerOf(*sessionId) : directory_.currentOwner(*sessionId);
    if (!owner || owner->id == settings_.nodeId) return std::nullopt;
    return forwarder_.forward(request, owner->id);
  } catch (const RedisError& e) {
    redisTrouble(e);
    return std::nullopt;
  }
}

std::shared_ptr<http::WebSocketHandler> ClusterNode::relayFor(const http::HttpRequest& request,
                                                              bool& refuse) {
  refuse = false;
  if (request.proxiedHost.empty() || redisDown_) return nullptr;
  if (auto own = core::HttpUrl::parse(settings_.publicUrl);
      own && own->hostHeader() == request.proxiedHost)
    return nullptr;
  try {
    for (const auto& node : registry_.list()) {
      auto url = core::HttpUrl::parse(node.publicUrl);
      if (!url || url->hostHeader() != request.proxiedHost) continue;
      if (url->secure) {
        // The relay speaks ws:// only: nodes reach each other on a private network.
        obs::Logger::warn("cannot relay a socket to a node with an https public URL",
                          {{"node", node.id}});
        refuse = true;  // serving it here would split the session from its owner
        return nullptr;
      }
      std::string target = "ws://" + url->hostHeader() + request.path;
      if (!request.query.empty()) target += "?" + request.query;
      std::erase_if(relays_, [](const auto& r) { return r.expired(); });
      auto relay = std::make_shared<WebSocketRelay>(io_, target);
      relays_.push_back(relay);
      return relay;
    }
    refuse = true;
    obs::Metrics::instance()
        .counter("parley_cluster_refused_sockets_total",
                 "Sockets meant for a node that is not (or no longer) in the cluster")
        .add();
  } catch (const RedisError& e) {
    redisTrouble(e);
  }
  return nullptr;
}

void ClusterNode::noteBroadcast(const std::string& broadcastId, const std::string& sessionId) {
  if (redisDown_) return;
  try {
    // Outlives any broadcast (4 h at most by default, 48 h with --max-duration).
    redis_.command({"SET", broadcastKey(broadcastId), sessionId, "PX", "172800000"});
  } catch (const RedisError& e) {
    redisTrouble(e);
  }
}

std::vector<NodeRecord> ClusterNode::nodes() {
  return registry_.list();
}

}  // namespace parley::cluster
