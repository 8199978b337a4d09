#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/Json.h"
#include "core/Role.h"

namespace parley::session {

// A client's presence in a live session, created by Raptor connection create.
struct Connection {
  std::string id;  // chosen by the client (docs/protocol.md §1.3)
  std::string sessionId;
  std::string apiKey;
  core::Role role = core::Role::Publisher;
  std::string data;  // token connection_data
  std::vector<std::string> initialLayoutClasses;
  std::int64_t creationTime = 0;  // ms
  bool eventsSuppressed = false;  // connectionEventsSuppressed
  std::string userAgent;
  std::vector<std::string> capabilities;
  // SHA-256 of the token it connected with: a repeated `connection create` (the client's
  // connect retry) must present this very token, not merely one with the same claims.
  std::string tokenDigest;

  // toJson() serialised once, when the connection is created: every later joiner's session
  // state carries it (empty for a Connection built elsewhere).
  std::string serialized;

  // Raptor connection object (docs/protocol.md §7.5).
  core::Json toJson() const;
  // toJson(), from `serialized` when it is there.
  core::Json stateJson() const;
  // The REST/webhook shape: {"id","createdAt","data"}.
  core::Json toWebhookJson() const;
};

}  // namespace parley::session
