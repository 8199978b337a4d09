#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "http/HttpRequest.h"
#include "http/WebSocket.h"
#include "session/SessionManager.h"
#include "session/SessionOutput.h"
#include "signaling/RumorFrame.h"

namespace parley::signaling {

class RumorSocket;

// The Rumor message bus (spec §6) in front of the session logic: accepts the client
// WebSockets, answers PING and acknowledgements, turns MESSAGE frames into session
// requests and STATUS replies, delivers session messages with transaction ids, and keeps
// a connection alive across a dropped socket for the reconnection grace period.
class SignalingServer final : public session::SessionOutput {
 public:
  struct Settings {
    std::chrono::milliseconds silenceTimeout{30000};  // no inbound frame → socket dropped
    std::chrono::milliseconds reconnectGrace{30000};  // socket gone → connection kept this long
    RumorFrame::Limits frameLimits;
    double framesPerSecond = 200;  // per socket, sustained
    double frameBurst = 400;
    std::size_t maxUnacked = 1000;  // per connection, oldest dropped beyond
  };
  static constexpr std::string_view kPath = "/rumorwebsocketsv2";

  SignalingServer(boost::asio::io_context& io, session::SessionManager& sessions, Settings settings);
  ~SignalingServer() override;

  // For the HTTP server's upgrade hook; `request.path` already normalised (proxy prefix
  // removed). Returns null for other paths.
  std::shared_ptr<http::WebSocketHandler> accept(const http::HttpRequest& request);
  // Closes every socket (process shutdown).
  void shutdown();

  void send(const std::string& connectionId, const session::OutboundMessage& message) override;
  void detach(const std::string& connectionId) override;

  std::size_t socketCount() const { return sockets_.size(); }

 private:
  friend class RumorSocket;

  // A client connection as the bus knows it: which socket carries it now, and what it
  // has not acknowledged yet (resent after a reconnection).
  struct Peer {
    std::string connectionId;
    std::string socketId;
    std::shared_ptr<RumorSocket> socket;  // null while the client is away
    std::chrono::steady_clock::time_point awaySince;
    bool joined = false;  // the session accepted its connection create
    std::deque<std::pair<std::string, std::string>> unacked;  // transaction id → frame bytes
    std::deque<std::pair<std::string, std::string>> replies;  // recent STATUS frames by transaction id
  };

  void onOpen(const std::shared_ptr<RumorSocket>& socket);
  void onFrame(const std::shared_ptr<RumorSocket>& socket, RumorFrame frame);
  void onClosed(const std::shared_ptr<RumorSocket>& socket);

  void onConnectFrame(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame);
  void onMessageFrame(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame);
  void onDisconnectFrame(const std::shared_ptr<RumorSocket>& socket, const RumorFrame& frame);
  void bind(Peer& peer, const std::shared_ptr<RumorSocket>& socket);
  void reply(Peer* peer, const std::shared_ptr<RumorSocket>& socket, const std::string& transactionId,
             const session::Reply& reply);
  Peer* peerOf(const RumorSocket& socket);
  void erasePeer(const std::string& connectionId);
  void scheduleSweep();
  void sweep();

  boost::asio::io_context& io_;
  session::SessionManager& sessions_;
  Settings settings_;
  boost::asio::steady_timer sweepTimer_;
  std::set<std::shared_ptr<RumorSocket>> sockets_;
  std::map<std::string, Peer, std::less<>> peers_;               // by connection id
  std::map<std::string, std::string, std::less<>> socketIds_;    // socketId → connection id
  bool stopped_ = false;
};

}  // namespace parley::signaling
