#pragma once

#include <string>

#include "session/Connection.h"
#include "session/Stream.h"

namespace parley::session {

// Upward news for session-monitoring callbacks (webhooks) and metrics.
class SessionEventListener {
 public:
  virtual ~SessionEventListener() = default;
  virtual void connectionCreated(const Connection& connection) = 0;
  virtual void connectionDestroyed(const Connection& connection, const std::string& reason) = 0;
  virtual void streamCreated(const Stream& stream, const Connection& owner) = 0;
  virtual void streamDestroyed(const Stream& stream, const Connection& owner,
                               const std::string& reason) = 0;
  // A published stream's video went on or off, or its layout classes changed.
  virtual void streamChanged(const Stream&, const Connection&) {}
};

}  // namespace parley::session
