#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "cluster/MediaRelay.h"
#include "cluster/NodeRecord.h"
#include "cluster/NodeRegistry.h"
#include "cluster/RedisConnection.h"
#include "cluster/RequestForwarder.h"
#include "cluster/SessionDirectory.h"
#include "cluster/WebSocketRelay.h"
#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/Router.h"
#include "http/WebSocket.h"

namespace parley::session {
class SessionManager;
}
namespace parley::store {
class Store;
}

namespace parley::cluster {

// This parleyd as one node of a cluster (docs/cluster.md): it heartbeats its record into
// Redis, places sessions on nodes when clients ask for them, sends clients to the owner's
// messaging URL and REST requests for a session held elsewhere to its owner. On the
// control thread; Redis calls are bounded by a short timeout, and while Redis is
// unreachable the node answers for itself (logged once) rather than failing requests, and
// only its heartbeat tries Redis again, less and less often.
class ClusterNode {
 public:
  struct Settings {
    std::string nodeId;
    std::string redisUrl;
    std::string publicUrl;
    std::string rtcIp;
    int rtcPort = 0;
    std::chrono::milliseconds heartbeat{1000};
    std::chrono::milliseconds nodeTtl{5000};         // a silent node is gone after this
    std::chrono::milliseconds takeoverAfter{30000};  // …and taken over after this
    std::chrono::milliseconds sessionTtl{600000};    // placement outlives activity this long
    std::chrono::milliseconds redisTimeout{500};
    std::chrono::milliseconds forwardTimeout{5000};
    std::string keyPrefix = "parley:";  // of every key and channel in Redis
    // Fills in the media part of this node's record (its workers, for cascading).
    std::function<void(NodeRecord&)> describeMedia;
  };

  ClusterNode(boost::asio::io_context& io, Settings settings, session::SessionManager& sessions,
              store::Store& store, RequestForwarder::LocalHandler local);
  ~ClusterNode();
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Registers the node (throws RedisError when Redis cannot be reached) and starts the
  // heartbeat and the forwarder.
  void start();
  // Leaves the cluster at once (record removed) and fails requests still waiting.
  void stop();

  // Drain (docs/cluster.md): this node takes no new sessions, gives up those it holds, and
  // tells their clients to move (OpenTok's session migration: a `notification` with reason
  // serverRotation makes a client fetch session info again and reconnect, republish and
  // resubscribe on the new owner). Also started by `parley node drain` through Redis.
  void drain();
  bool draining() const { return draining_; }

  // Session info: the public URL of the node holding `sessionId` ("" for this one).
  std::string ownerUrl(const std::string& sessionId);
  // The public URL of live node `nodeId`; "" for this node, a node not alive, or no Redis.
  std::string otherNodeUrl(const std::string& nodeId);
  // REST: the owner's deferred answer when the request's session lives on another node.
  std::optional<http::HttpResponse> routeRest(http::HttpRequest& request,
                                              const http::PathParams& params);
  std::vector<NodeRecord> nodes();
  // A broadcast this node runs: REST on it by id (get, stop, layout, streams) through another
  // node finds its session, and so this node, through Redis.
  void noteBroadcast(const std::string& broadcastId, const std::string& sessionId);
  // Called (on the control thread) on the one node that found `nodeId` silent for
  // takeoverAfter: it closes out what that node left (app/NodeTakeover).
  void setNodeGone(std::function<void(const std::string& nodeId)> gone) {
    nodeGone_ = std::move(gone);
  }
  // A WebSocket upgrade whose proxied host (docs/protocol.md §5.5) is another live node:
  // a relay to that node's socket; null to serve it here — unless `refuse` is set: the host
  // is no live node's nor this one's (a node that died), and serving the socket here would
  // split its session from the session's owner.
  std::shared_ptr<http::WebSocketHandler> relayFor(const http::HttpRequest& request, bool& refuse);
  const std::string& nodeId() const { return settings_.nodeId; }

  // Cascading (docs/cluster.md, "Sessions that span nodes"): the SFU's link to the other
  // nodes; media messages for this node go to `deliver`, and after each heartbeat
  // `liveNodes` hears which nodes are alive (this one included).
  media::NodeLink& mediaLink() { return media_; }
  void onMedia(MediaRelay::Deliver deliver,
               std::function<void(const std::set<std::string>&)> liveNodes) {
    media_.setDeliver(std::move(deliver));
    liveNodes_ = std::move(liveNodes);
  }

 private:
  void heartbeat();
  void scheduleHeartbeat();
  NodeRecord selfRecord() const;
  void releaseAndNotify();
  // The session a REST request acts on, if it acts on one; `place` is set for requests
  // that start something (an archive, a broadcast) and so place the session if no node has it.
  std::optional<std::string> sessionOf(const http::HttpRequest& request,
                                       const http::PathParams& params, bool& place);
  // Deleting an archive removes its file, which only the node that recorded it holds: that
  // node, when it is another live one.
  std::optional<std::string> archiveHolder(const http::HttpRequest& request,
                                           const http::PathParams& params);
  std::string broadcastKey(const std::string& id) const {
    return settings_.keyPrefix + "broadcast:" + id;
  }
  void redisTrouble(const std::exception& e);

  Settings settings_;
  session::SessionManager& sessions_;
  store::Store& store_;
  RedisConnection redis_;
  NodeRegistry registry_;
  SessionDirectory directory_;
  RequestForwarder forwarder_;
  MediaRelay media_;
  std::function<void(const std::set<std::string>&)> liveNodes_;
  // Relayed sockets, closed when the node stops (each holds its client's connection).
  std::vector<std::weak_ptr<WebSocketRelay>> relays_;
  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  std::int64_t startedAtMs_ = 0;
  std::int64_t healthySinceMs_ = 0;  // since when Redis answers without a break
  std::function<void(const std::string&)> nodeGone_;
  std::uint64_t beats_ = 0;
  bool redisDown_ = false;
  int retryEvery_ = 1;  // beats between attempts while Redis is down
  int beatsSinceTrouble_ = 0;
  bool draining_ = false;
  std::unordered_set<std::string> notified_;  // connections told to move
  bool stopped_ = false;
};

}  // namespace parley::cluster
