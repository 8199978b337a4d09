#pragma once

#include <boost/asio/io_context.hpp>
#include <deque>
#include <memory>
#include <string>

#include "http/WebSocket.h"
#include "http/WebSocketClient.h"

namespace parley::cluster {

// A client's Rumor WebSocket that reached this node but belongs to another: OpenTok.js
// behind OT.setProxyUrl sends its messaging socket to the proxy host with the owner's host
// as the first path segment (docs/protocol.md §5.5), and a load balancer may hand that to
// any node. This node opens the same socket on the owner and passes messages both ways
// unchanged, so the owner sees the client as if it had come straight. What one side sends
// faster than the other takes is bounded: past `maxQueuedBytes` both sockets close.
class WebSocketRelay : public http::WebSocketHandler,
                       public std::enable_shared_from_this<WebSocketRelay> {
 public:
  WebSocketRelay(boost::asio::io_context& io, std::string upstreamUrl,
                 std::size_t maxQueuedBytes = 4 * 1024 * 1024);
  ~WebSocketRelay() override;

  void onOpen(std::shared_ptr<http::WebSocketSink> sink) override;
  void onMessage(std::string message, bool binary) override;
  void onClose() override;
  // Closes both sockets (the node is stopping): the client then reconnects elsewhere.
  void shutdown() { closeBoth(1001); }

 private:
  void closeBoth(std::uint16_t code);

  boost::asio::io_context& io_;
  std::string upstreamUrl_;
  std::size_t maxQueuedBytes_;
  std::shared_ptr<http::WebSocketSink> client_;
  std::shared_ptr<http::WebSocketClient> upstream_;
  bool closed_ = false;
};

}  // namespace parley::cluster
