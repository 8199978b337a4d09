#pragma once

#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::http {

// One WebSocket client connection (ws:// only) on an Asio io_context run by one thread:
// the signaling socket of one simulated client (load/), or a node's relay to another node
// (cluster/). Messages are queued and written one at a
// time; each received message is handed over whole. Handlers run on the io_context's
// thread; `closed` runs once, after a failure as after close().
class WebSocketClient : public std::enable_shared_from_this<WebSocketClient> {
 public:
  struct Handlers {
    std::function<void()> opened;
    std::function<void(std::string_view message, bool binary)> message;
    std::function<void(const std::string& reason)> closed;
  };

  static std::shared_ptr<WebSocketClient> create(boost::asio::io_context& io, Handlers handlers);
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // `url`: ws://host:port/path?query. `subprotocol`: Sec-WebSocket-Protocol, or empty.
  void open(const std::string& url, const std::string& subprotocol = {});
  void send(std::string message, bool binary);
  void close();
  bool isOpen() const;
  // Bytes given to send() and not yet written (a relay bounds what a slow peer costs).
  std::size_t queuedBytes() const;
  // Drops the handlers (their owner is going away); the connection closes on its own.
  void detach();

 private:
  class Impl;
  WebSocketClient(boost::asio::io_context& io, Handlers handlers);
  void readNext();
  void writeNext();
  void closeNow();
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::http
