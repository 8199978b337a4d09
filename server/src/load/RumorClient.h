#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "http/WebSocketClient.h"
#include "load/SignalingClient.h"

namespace parley::signaling {
struct RumorFrame;
}

namespace parley::load {

// A client of parleyd (or OpenTok) the way OpenTok.js talks to it (docs/protocol.md §5–§8):
// session info over HTTP, then CONNECT, SUBSCRIBE and `connection create` on the Rumor
// socket; publishing is `stream create` answered by `generateoffer` → offer → answer;
// subscribing is `subscriber create` answered by the server's offer. Every server MESSAGE
// with a transaction id is acknowledged, and the socket is kept alive with PINGs.
class RumorClient final : public SignalingClient {
 public:
  struct Settings {
    std::string baseUrl;  // http://host:port of the REST / session info endpoint
    std::string apiKey;
    std::string sessionId;
    std::string token;
    // As OpenTok.js with `connectionEventsSuppressed` (what large sessions use): no
    // `connection created/destroyed` for the other clients, so N joins are not N² messages.
    bool connectionEvents = false;
  };

  RumorClient(boost::asio::io_context& io, Settings settings, Listener& listener);
  ~RumorClient() override;

  void join() override;
  void publish() override;
  void subscribe(const std::string& streamId) override;
  void close() override;

  const std::string& connectionId() const { return connectionId_; }

 private:
  void onSessionInfo(int status, const std::string& body);
  void onSocketOpen();
  void onFrame(std::string_view bytes);
  void onMessage(const signaling::RumorFrame& frame);
  void onStatus(const signaling::RumorFrame& frame);
  void sendRequest(const std::string& method, const std::string& uri, const std::string& content,
                   const std::string& purpose, bool withToken = false);
  void sendJsep(const std::string& method, const std::string& uri, const std::string& sdp,
                const std::string& peerId, const std::string& sourceStreamId);
  void keepAlive();
  void fail(const std::string& why);
  std::string sessionUri() const;

  boost::asio::io_context& io_;
  Settings settings_;
  Listener& listener_;
  std::shared_ptr<http::WebSocketClient> socket_;
  boost::asio::steady_timer pingTimer_;
  std::shared_ptr<bool> alive_;  // cleared on close: late HTTP answers find nobody
  std::string connectionId_;
  std::string symphony_ = "symphony.parley";
  std::string streamId_;
  bool joined_ = false;
  bool closed_ = false;
  // transaction id → what the request was for ("connect", "publish", "subscribe:<sub>", …)
  std::map<std::string, std::string> pending_;
  // subscriber id → stream id
  std::map<std::string, std::string> subscriptions_;
};

}  // namespace parley::load
