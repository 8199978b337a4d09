#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/HttpRequest.h"

namespace parley::http {

// The sending half of an accepted WebSocket, handed to the upper layer. All calls on
// the control thread. Messages queue in order; close() waits for the queue to drain.
class WebSocketSink {
 public:
  virtual ~WebSocketSink() = default;
  virtual void sendBinary(std::string_view message) = 0;
  virtual void close(std::uint16_t code) = 0;
  virtual const std::string& remoteAddress() const = 0;
};

// What the upper layer does with an accepted WebSocket.
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  virtual void onOpen(std::shared_ptr<WebSocketSink> sink) = 0;
  virtual void onMessage(std::string message, bool binary) = 0;
  // The socket is closed (by either side, or failed); no more calls follow.
  virtual void onClose() = 0;
};

// Decides whether an upgrade request is accepted: a handler, or null for 404.
using UpgradeHandler = std::function<std::shared_ptr<WebSocketHandler>(HttpRequest&)>;

}  // namespace parley::http
