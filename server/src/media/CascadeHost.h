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

// This node's side of sessions another node owns whose subscriber transports were placed
// here (docs/cluster.md, "Sessions that span nodes"). The owner keeps the signaling and the
// negotiation; it sends commands (CascadeHost::handle) and this node runs them on its
// workers: a mirror of a stream fed by a pipe from the owner's worker, subscriptions to the
// mirror, their remote descriptions and settings. What happens to a hosted subscription
// (closed, video suspended) goes back to the owner. Each owner's objects live in routers of
// their own (key "node:<owner>/<session>"), apart from sessions this node owns. Control
// thread only; commands are checked field by field and a bad one is dropped (logged).
class CascadeHost {
 public:
  // Bounds on what other nodes can make here.
  static constexpr size_t kMaxSubscriptions = 20000;
  static constexpr size_t kMaxMirrors = 5000;

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
  bool hosts(const std::string& routerKey) const { return sessions_.count(routerKey) > 0; }
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
    std::map<std::string, Mirror> mirrors;  // stream → its mirror
  };

  bool mirror(const std::string& from, const core::Json& c);
  bool unmirror(const std::string& from, const core::Json& c);
  bool subscribe(const std::string& from, const core::Json& c);
  bool setRemote(const std::string& from, const core::Json& c);
  bool unsubscribe(const std::string& from, const core::Json& c);
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
  size_t subscriptionCount_ = 0;
  size_t mirrorCount_ = 0;
};

}  // namespace parley::media
