#pragma once

#include <string>
#include <vector>

#include "session/OutboundMessage.h"

namespace parley::session {

// How the session layer reaches clients; implemented by signaling/ (Rumor sockets).
class SessionOutput {
 public:
  virtual ~SessionOutput() = default;
  virtual void send(const std::string& connectionId, const OutboundMessage& message) = 0;
  // The same message to several connections (a broadcast): lets the output encode it once.
  virtual void sendToMany(const std::vector<std::string>& connectionIds,
                          const OutboundMessage& message) {
    for (const auto& id : connectionIds) send(id, message);
  }
  // The connection was removed by the server (force disconnect, expiry): close its
  // socket once what was queued for it is sent.
  virtual void detach(const std::string& connectionId) = 0;
};

}  // namespace parley::session
