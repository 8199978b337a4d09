#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "http/HttpRequest.h"
#include "http/WebSocket.h"
#include "obs/LogLimiter.h"
#include "session/SessionManager.h"
#include "session/SessionOutput.h"
#include "signaling/ReplyCache.h"
#include "signaling/RumorFrame.h"
#include "signaling/TransactionIds.h"
#include "signaling/UnackedMessages.h"

namespace parley::signaling {

class RumorSocket;

// The Rumor message bus (docs/protocol.md §6) in front of the session logic: accepts the
// client WebSockets, answers PING and acknowledgements, turns MESSAGE frames into session
// requests and STATUS replies, delivers session messages with transaction ids, and keeps
// a connection alive across a dropped socket for the reconnection grace period.
//
// Identity: a connection id is public (every participant and every webhook sees it), so
// it never grants anything by itself. A socket speaks for a connection only when it
// created it, when it reconnects with the secret socketId the connection was created
// under, or when it repeats `connection create` with a token whose claims equal the
// original's (the client's own connect retry). Everything else is refused and logged,
// and the owner's socket is left alone.
class SignalingServer final : public session::SessionOutput {
 public:
  struct Settings {
    std::chrono::milliseconds silenceTimeout{30000};  // no inbound frame → socket dropped
    std::chrono::milliseconds reconnectGrace{30000};  // socket gone → connection kept this long
    std::chrono::milliseconds joinTimeout{10000};     // socket not in a session by then → closed
    RumorFrame::Limits frameLimits;
    double framesPerSecond = 200;  // per socket, sustained
    double frameBurst = 400;
    UnackedMessages::Limits unacked;  // per connection, oldest forgotten beyond
    ReplyCache::Limits replies;       // per connection
  };
  static constexpr std::string_view kPath = "/rumorwebsocketsv2";

  SignalingServer(boost::asio::io_context& io, session::SessionManager& sessions,
                  Settings settings);
  ~SignalingServer() override;

  // For the HTTP server's upgrade hook; `request.path` already normalised (proxy prefix
  // removed). Returns null for other paths.
  std::shared_ptr<http::WebSocketHandler> accept(const http::HttpRequest& request);
  // Closes every socket (process shutdown).
  void shutdown();

  void send(const std::string& connectionId, const session::OutboundMessage& message) override;
  void sendToMany(const std::vector<std::string>& connectionIds,
                  const session::OutboundMessage& message) override;
  void detach(const std::string& connectionId) override;

  std::size_t socketCount() const { return sockets_.size(); }
  // Runs the timers' checks as of `now` (silence, join and reconnection timeouts) on every
  // socket and connection at once.
  void sweep(std::chrono::steady_clock::time_point now);
  // What the server runs by itself every kSweepStep: the silence and join checks of the
  // next 1/kSweepSteps of the sockets (so each socket is looked at about every 500 ms), and
  // once per round the reconnection timeouts. One pass over thousands of sockets held the
  // thread for milliseconds at a time (each socket a cache miss); a step holds it for tens
  // of microseconds.
  void sweepStep(std::chrono::steady_clock::time_point now);
  static constexpr std::chrono::milliseconds kSweepStep{20};
  static constexpr std::size_t kSweepSteps = 25;

 private:
  friend class RumorSocket;

  // A client connection as the bus knows it: which socket carries it now, and what it
  // has not acknowledged yet (resent after a reconnection).
  struct Peer {
    Peer(std::string id, const Settings& s)
        : connectionId(std::move(id)), unacked(s.unacked), replies(s.replies) {}
    std::string connectionId;
    std::string socketId;                 // the reconnect credential (docs/protocol.md §6.7)
    std::shared_ptr<RumorSocket> socket;  // null while the client is away
    std::chrono::steady_clock::time_point awaySince;
    bool joined = false;  // the session accepted its connection create
    UnackedMessages unacked;
    ReplyCache replies;
  };

  void onOpen(const std::shared_ptr<RumorSocket>& socket);
  void onFrame(const std::shared_ptr<RumorSocket>& socket, RumorFrame frame);
  void onClosed(const std::shared_ptr<RumorSocket>& socket);

  void onConnectFrame(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame);
  void onMessageFrame(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame);
  void onDisconnectFrame(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame);
  // `connection create` from a socket that claimed an existing connection id with CONNECT.
  session::Reply claimByToken(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame,
                              const session::InboundRequest& request);
  void bind(Peer& peer, const std::shared_ptr<RumorSocket>& socket);
  void reply(Peer* peer, const std::shared_ptr<RumorSocket>& socket,
             const std::string& transactionId, const session::Reply& reply);
  Peer* peerOf(const RumorSocket& socket);
  void erasePeer(const std::string& connectionId);
  bool socketIdTakenByOther(const RumorSocket& socket, const std::string& connectionId) const;
  void refuse(const RumorSocket& socket, std::string_view what, const std::string& connectionId);
  std::string messageFrame(const std::string& connectionId, const std::string& transactionId,
                           const UnackedMessages::Message& message) const;
  void deliver(Peer& peer, const UnackedMessages::SharedMessage& message);
  void scheduleSweep();
  // Adds `socket` to `closing` when it has been silent too long or has not joined in time.
  void checkTimeouts(const std::shared_ptr<RumorSocket>& socket,
                     std::chrono::steady_clock::time_point now,
                     std::vector<std::shared_ptr<RumorSocket>>& closing) const;
  void closeTimedOut(const std::vector<std::shared_ptr<RumorSocket>>& closing,
                     std::chrono::steady_clock::time_point now);
  // Ends the connections whose socket has been gone longer than the reconnection grace.
  void expireAway(std::chrono::steady_clock::time_point now);

  boost::asio::io_context& io_;
  session::SessionManager& sessions_;
  Settings settings_;
  boost::asio::steady_timer sweepTimer_;
  TransactionIds transactionIds_;
  obs::LogLimiter refusalLog_;
  std::set<std::shared_ptr<RumorSocket>> sockets_;
  // Transparent hashing: looked up by string_view without a copy, on every frame.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class Value>
  using ById = std::unordered_map<std::string, Value, IdHash, std::equal_to<>>;
  ById<Peer> peers_;             // by connection id (node-based: a Peer& stays valid)
  ById<std::string> socketIds_;  // socketId → connection id
  // Connection ids whose socket closed while joined: the only peers the reconnection
  // timeout concerns. Checked lazily (an id whose peer came back or is gone is dropped when
  // next looked at), so at most one entry per peer.
  std::unordered_set<std::string, IdHash, std::equal_to<>> away_;
  // Where the last sweep step stopped: compared with the set's keys, never dereferenced.
  RumorSocket* sweepCursor_ = nullptr;
  std::size_t sweepStepsTaken_ = 0;
  bool stopped_ = false;
};

}  // namespace parley::signaling
