#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/TokenVerifier.h"
#include "media/MediaService.h"
#include "session/InboundRequest.h"
#include "session/LiveSession.h"
#include "session/SessionEventListener.h"
#include "session/SessionLimits.h"
#include "session/SessionOutput.h"
#include "store/Store.h"

namespace parley::session {

// The Raptor v2 session logic (docs/protocol.md §7, §8.4): connections, streams, subscribers,
// signals, moderation and the relay of WebRTC negotiation in relayed sessions.
// Single-threaded (control thread), no sockets: requests come in as InboundRequest,
// messages leave through SessionOutput, news goes up through SessionEventListener.
class SessionManager : public media::MediaService::Events {
 public:
  using Clock = std::function<double()>;  // seconds, monotonic

  SessionManager(store::Store& store, SessionLimits limits,
                 core::TokenVerifier::SecretLookup secrets, Clock clock = {});

  void setOutput(SessionOutput* output) { output_ = output; }
  // Replaces every listener with `listener` (none when null).
  void setListener(SessionEventListener* listener) {
    listeners_.clear();
    if (listener) listeners_.push_back(listener);
  }
  void addListener(SessionEventListener* listener) { listeners_.push_back(listener); }
  // The running archives of a session as its session state lists them (docs/protocol.md §7.10).
  void setArchiveState(std::function<core::Json(const std::string& sessionId)> state) {
    archiveState_ = std::move(state);
  }
  // To every connection of a live session (archive news); nothing when nobody is connected.
  void notifySession(std::string_view sessionId, const OutboundMessage& message);
  // Sends `message` to one connected client (nothing if it is gone).
  void notifyConnection(const std::string& connectionId, const OutboundMessage& message) {
    if (connectionSession_.count(connectionId)) send(connectionId, message);
  }
  // The SFU for routed sessions; without one, routed publishing is refused (409).
  void setMedia(media::MediaService* media);
  // A client that lives in this process rather than behind a socket (a WHIP publisher,
  // session/WhipWhepClients): messages addressed to it go to `sink` instead of the output.
  using LocalSink = std::function<void(const OutboundMessage&)>;
  void attachLocalClient(const std::string& connectionId, LocalSink sink) {
    localClients_[connectionId] = std::move(sink);
  }
  void detachLocalClient(const std::string& connectionId) { localClients_.erase(connectionId); }

  // Messages that must follow the STATUS of the request that caused them (the SFU's
  // generateoffer, offers and answers): the signaling layer sends them after its reply.
  void sendDeferred();

  // media::MediaService::Events
  void publicationReady(const std::string& sessionId, const std::string& streamId) override;
  void publicationFailed(const std::string& sessionId, const std::string& streamId,
                         const std::string& reason) override;
  void subscriberVideoSuspended(const std::string& sessionId, const std::string& subscriberId,
                                bool suspended) override;
  void subscriptionFailed(const std::string& sessionId, const std::string& subscriberId,
                          const std::string& reason) override;

  // Raptor `create …/connection/{cid}`. `token` is the frame's X-TB-TOKEN-AUTH header.
  Reply connect(const std::string& connectionId, std::string_view token,
                const InboundRequest& request);
  // Every other request of a connected client.
  Reply handle(const std::string& connectionId, const InboundRequest& request);
  // The connection is gone (clean leave, or its socket stayed away past the grace
  // period): its streams and subscriptions are removed and everyone is told.
  void disconnect(const std::string& connectionId, const std::string& reason);
  bool isConnected(std::string_view connectionId) const {
    return connectionSession_.count(std::string(connectionId)) > 0;
  }

  // ---- REST actions on live sessions (docs/protocol.md §3.4.4–§3.4.7) ----
  enum class Outcome { Ok, NotFound, Invalid, TooLarge };
  struct ActionResult {
    Outcome outcome = Outcome::Ok;
    std::string message;
  };
  ActionResult signalFromServer(std::string_view sessionId,
                                std::optional<std::string_view> connectionId,
                                const core::Json& type, const core::Json& data);
  ActionResult forceDisconnect(std::string_view sessionId, std::string_view connectionId);
  ActionResult muteStream(std::string_view sessionId, std::string_view streamId);
  ActionResult muteAll(std::string_view sessionId, bool active,
                       const std::vector<std::string>& exclusions);
  ActionResult setLayoutClasses(std::string_view sessionId, std::string_view streamId,
                                const std::vector<std::string>& classes);
  // Streams of a live session in publish order; empty when nobody is connected.
  std::vector<const Stream*> streams(std::string_view sessionId) const;
  const LiveSession* session(std::string_view sessionId) const;
  // The SFU's statistics of a routed session (empty lists when it has no media).
  core::Json mediaStats(const std::string& sessionId) const;

  std::size_t liveSessionCount() const { return sessions_.size(); }
  // The ids of the sessions with someone connected here (a cluster node refreshes their
  // placement with them).
  std::vector<std::string> liveSessionIds() const {
    std::vector<std::string> ids;
    ids.reserve(sessions_.size());
    for (const auto& entry : sessions_) ids.push_back(entry.first);
    return ids;
  }
  std::size_t connectionCount() const { return connectionSession_.size(); }

  // Validates a signal's type and data the way the client does (docs/protocol.md §7.7.1, §9.3).
  ActionResult validateSignal(const core::Json* type, const core::Json* data) const;

 private:
  struct RateBucket {
    double tokens = 0;
    double updated = 0;
  };

  LiveSession* findSession(std::string_view sessionId);
  LiveSession* sessionOf(std::string_view connectionId);
  void send(const std::string& connectionId, const OutboundMessage& message);
  void sendAfterReply(const std::string& connectionId, OutboundMessage message);
  bool routed(const LiveSession& s) const;
  void announceStream(LiveSession& s, Stream& st);
  // Sends the SFU's description and its candidates (docs/protocol.md §8.2 step 4, §8.3 step 2).
  void sendNegotiation(const std::string& to, const std::string& uri, const std::string& method,
                       const media::MediaService::Negotiation& n, const std::string& peerId);
  Reply onRoutedJsep(LiveSession& s, const Connection& self, const InboundRequest& r,
                     const Stream& st);
  Reply onSubscriberChannelUpdate(LiveSession& s, const Connection& self, const InboundRequest& r);
  // To every connection of the session; `connectionEvent` skips those that suppressed
  // connection events (but never the subject connection itself).
  void broadcast(LiveSession& s, const OutboundMessage& message, bool connectionEvent = false,
                 std::string_view subject = {});

  Reply removeConnection(LiveSession& s, const std::string& connectionId, const std::string& reason,
                         bool forced);
  void removeStream(LiveSession& s, const std::string& streamId, const std::string& reason);
  void removeSubscriber(LiveSession& s, const std::string& subscriberId);
  core::Json connectionObject(const LiveSession& s, std::string_view connectionId) const;
  void deliverSignal(LiveSession& s, const std::string& from, const std::string& uri,
                     const core::Json* type, const core::Json* data,
                     std::optional<std::string_view> to);
  void sendMute(LiveSession& s, const Stream& stream);
  bool takeSignalToken(const std::string& connectionId);

  Reply onConnectionDelete(LiveSession& s, const Connection& self, const InboundRequest& r);
  static bool encryptionMatches(const LiveSession& s, const InboundRequest& r);
  Reply onStreamCreate(LiveSession& s, const Connection& self, const InboundRequest& r);
  Reply onStreamDelete(LiveSession& s, const Connection& self, const InboundRequest& r);
  Reply onStreamUpdate(LiveSession& s, const Connection& self, const InboundRequest& r);
  Reply onChannelUpdate(LiveSession& s, const Connection& self, const InboundRequest& r);
  Reply onSubscriberCreate(LiveSession& s, const Connection& self, const InboundRequest& r);
  Reply onSubscriberDelete(LiveSession& s, const Connection& self, const InboundRequest& r);
  Reply onJsep(LiveSession& s, const Connection& self, const InboundRequest& r);
  Reply onSignal(LiveSession& s, const Connection& self, const InboundRequest& r);
  Reply onSessionUpdate(LiveSession& s, const Connection& self, const InboundRequest& r);

  store::Store& store_;
  SessionLimits limits_;
  core::TokenVerifier::SecretLookup secrets_;
  Clock clock_;
  SessionOutput* output_ = nullptr;
  std::vector<SessionEventListener*> listeners_;
  std::function<core::Json(const std::string&)> archiveState_;
  media::MediaService* media_ = nullptr;
  std::vector<std::pair<std::string, OutboundMessage>> deferred_;
  std::map<std::string, std::unique_ptr<LiveSession>, std::less<>> sessions_;
  std::map<std::string, std::string, std::less<>> connectionSession_;  // connection → session id
  std::map<std::string, RateBucket, std::less<>> signalBuckets_;
  std::map<std::string, LocalSink, std::less<>> localClients_;
};

}  // namespace parley::session
