#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "http/WebSocket.h"
#include "signaling/RumorFrame.h"

namespace parley::signaling {

class SignalingServer;

// One client WebSocket speaking Rumor: parses each binary message as a frame, enforces
// the frame rate limit, and hands frames to the SignalingServer.
class RumorSocket final : public http::WebSocketHandler,
                          public std::enable_shared_from_this<RumorSocket> {
 public:
  RumorSocket(SignalingServer* server, std::string socketId, bool reconnect, std::string remote);

  void onOpen(std::shared_ptr<http::WebSocketSink> sink) override;
  void onMessage(std::string message, bool binary) override;
  void onClose() override;

  void sendFrame(std::string_view bytes);
  void close(std::uint16_t code);
  // The server is going away: no more calls into it.
  void orphan() { server_ = nullptr; }

  const std::string& socketId() const { return socketId_; }
  bool reconnect() const { return reconnect_; }
  const std::string& remote() const { return remote_; }
  std::string connectionId;  // the connection this socket speaks for, once proven
  std::string claimedId;     // CONNECT named someone else's connection; a token may still prove it
  // It speaks for a connection its session accepted: the server's copy of Peer::joined, so
  // that the periodic sweep of every socket needs no connection lookup.
  bool joined = false;
  std::chrono::steady_clock::time_point openedAt;
  std::chrono::steady_clock::time_point lastInbound;

 private:
  SignalingServer* server_;
  std::string socketId_;
  bool reconnect_;
  std::string remote_;
  std::weak_ptr<http::WebSocketSink> sink_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point tokensUpdated_;
  bool closed_ = false;
  bool closing_ = false;
};

}  // namespace parley::signaling
