#pragma once

#include <string>

#include "session/OutboundMessage.h"

namespace parley::session {

// How the session layer reaches clients; implemented by signaling/ (Rumor sockets).
class SessionOutput {
 public:
  virtual ~SessionOutput() = default;
  virtual void send(const std::string& connectionId, const OutboundMessage& message) = 0;
  // The connection was removed by the server (force disconnect, expiry): close its
  // socket once what was queued for it is sent.
  virtual void detach(const std::string& connectionId) = 0;
};

}  // namespace parley::session
