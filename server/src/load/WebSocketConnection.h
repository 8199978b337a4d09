#pragma once

#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::load {

// One WebSocket client connection (ws:// only) on an Asio io_context run by one thread:
// the signaling socket of one simulated client. Messages are queued and written one at a
// time; each received message is handed over whole. Handlers run on the io_context's
// thread; `closed` runs once, after a failure as after close().
class WebSocketConnection : public std::enable_shared_from_this<WebSocketConnection> {
 public:
  struct Handlers {
    std::function<void()> opened;
    std::function<void(std::string_view message, bool binary)> message;
    std::function<void(const std::string& reason)> closed;
  };

  static std::shared_ptr<WebSocketConnection> create(boost::asio::io_context& io,
                                                     Handlers handlers);
  ~WebSocketConnection();
  WebSocketConnection(const WebSocketConnection&) = delete;
  WebSocketConnection& operator=(const WebSocketConnection&) = delete;

  // `url`: ws://host:port/path?query. `subprotocol`: Sec-WebSocket-Protocol, or empty.
  void open(const std::string& url, const std::string& subprotocol = {});
  void send(std::string message, bool binary);
  void close();
  bool isOpen() const;
  // Drops the handlers (their owner is going away); the connection closes on its own.
  void detach();

 private:
  class Impl;
  WebSocketConnection(boost::asio::io_context& io, Handlers handlers);
  void readNext();
  void writeNext();
  void closeNow();
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::load
