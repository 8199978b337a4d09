#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/Json.h"
#include "media/NodeLink.h"
#include "media/dtls/DtlsCertificate.h"

namespace parley::media {

class Worker;

// This node's side of sessions another node owns whose transports were placed here
// (docs/cluster.md, "Sessions that span nodes"). The owner keeps the signaling and the
// negotiation; it sends commands (CascadeHost::handle) and this node runs them on its
// workers: a mirror of a stream fed by a pipe from the owner's worker, subscriptions to the
// mirror, their remote descriptions and settings; publications whose stream is piped to the
// owner's worker. What happens to a hosted subscription (closed, video suspended) or
// publication (connected, closed) goes back to the owner. Each owner's objects live in
// routers of their own, apart from sessions this node owns: subscriptions and mirrors in
// "node:<owner>/<session>", publications in "node-pub:<owner>/<session>" (so that a stream
// published here can also be mirrored here for subscribers placed here). Control thread only;
// commands are checked field by field and a bad one is dropped (logged).
class CascadeHost {
 public:
  // Bounds on what other nodes can make here.
  static constexpr size_t kMaxSubscriptions = 20000;
  static constexpr size_t kMaxMirrors = 5000;
  static constexpr size_t kMaxPublications = 5000;

  CascadeHost(const std::vector<std::unique_ptr<Worker>>& workers,
              std::shared_ptr<const dtls::DtlsCertificate> certificate)
      : workers_(workers), certificate_(std::move(certificate)) {}

  void setLink(NodeLink* link) { link_ = link; }

  // A command from node `from`. False (and nothing done) when it is malformed or refers to
  // nothing `from` made here.
  bool handle(const std::string& from, const core::Json& command);

  static std::string routerKey(const std::string& owner, const std::string& sessionId) {
    return "node:" + owner + "/" + sessionId;
  }
  static std::string publisherRouterKey(const std::string& owner, const std::string& sessionId) {
    return "node-pub:" + owner + "/" + sessionId;
  }
  bool hosts(const std::string& routerKey) const { return sessions_.count(routerKey) > 0; }
  // Whether `routerKey` is the publications' router of a hosted session.
  bool hostsPublications(const std::string& routerKey) const {
    return publisherRouters_.count(routerKey) > 0;
  }
  // Worker news about a hosted publication (by its publications' router key), passed to
  // its owner; a closed one is forgotten.
  void publicationConnected(const std::string& routerKey, const std::string& streamId);
  void publicationClosed(const std::string& routerKey, const std::string& streamId,
                         const std::string& reason);
  // Worker news about a hosted subscription, passed to its owner.
  void subscriptionClosed(const std::string& routerKey, const std::string& subscriberId,
                          const std::string& reason);
  void subscriptionVideoSuspended(const std::string& routerKey, const std::string& subscriberId,
                                  bool suspended);
  // A mirror the worker found starved (its origin went silent) and removed: every
  // subscription it fed is closed and reported closed to the owner, whose client's ICE
  // restart then places it anew. Nothing when the mirror was replaced meanwhile (another
  // pipe id).
  void mirrorStarved(const std::string& routerKey, const std::string& streamId, uint32_t pipeId);
  // Drops everything hosted for nodes not in `live` (they died or left).
  void keepOwners(const std::set<std::string>& live);

  size_t subscriptionCount() const { return subscriptionCount_; }
  size_t mirrorCount() const { return mirrorCount_; }
  size_t publicationCount() const { return publicationCount_; }

 private:
  struct HostedSession {
    std::string owner;
    std::string sessionId;
    struct Subscribed {
      unsigned worker = 0;
      std::string stream;
    };
    std::map<std::string, Subscribed> subscriptions;  // by subscriber
    struct Mirror {
      unsigned worker = 0;
      uint32_t pipeId = 0;
    };
    std::map<std::string, Mirror> mirrors;         // stream → its mirror
    std::map<std::string, unsigned> publications;  // stream → the worker of its transport
  };

  bool mirror(const std::string& from, const core::Json& c);
  bool unmirror(const std::string& from, const core::Json& c);
  bool subscribe(const std::string& from, const core::Json& c);
  bool setRemote(const std::string& from, const core::Json& c);
  bool unsubscribe(const std::string& from, const core::Json& c);
  bool publish(const std::string& from, const core::Json& c);
  bool publisherRemote(const std::string& from, const core::Json& c);
  bool publisherTrack(const std::string& from, const core::Json& c);
  bool unpublish(const std::string& from, const core::Json& c);
  // The worker of a hosted publication; null when unknown.
  Worker* publicationWorker(const std::string& from, const core::Json& c, std::string& key,
                            std::string& streamId);
  void removePublication(HostedSession& s, const std::string& streamId);
  bool setting(const std::string& from, const std::string& type, const core::Json& c);
  // The hosted session a command names, made when `create`; null when unknown.
  HostedSession* session(const std::string& from, const core::Json& c, bool create);
  // The worker of a hosted subscription; null when unknown.
  Worker* subscriptionWorker(const std::string& from, const core::Json& c, std::string& key,
                             std::string& subscriberId);
  void removeSubscription(HostedSession& s, const std::string& key,
                          const std::string& subscriberId);
  void removeMirror(HostedSession& s, const std::string& key, const std::string& streamId);
  void dropIfEmpty(const std::string& key);
  void tell(const std::string& routerKey, core::Json message);

  const std::vector<std::unique_ptr<Worker>>& workers_;
  std::shared_ptr<const dtls::DtlsCertificate> certificate_;
  NodeLink* link_ = nullptr;
  std::map<std::string, HostedSession> sessions_;  // by router key
  // Publications' router key → the session's router key, while it hosts publications.
  std::map<std::string, std::string> publisherRouters_;
  size_t subscriptionCount_ = 0;
  size_t mirrorCount_ = 0;
  size_t publicationCount_ = 0;
};

}  // namespace parley::media
