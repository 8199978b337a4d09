#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/Json.h"

namespace parley::signaling {

// The Raptor v2 JSON envelope carried in Rumor MESSAGE payloads (docs/protocol.md §7.1):
//   {"method": "...", "uri": "/v2/partner/{k}/session/{s}/...", "content": {...}}
// plus the decomposition of `uri` into name/value pairs and a resource name.
struct RaptorMessage {
  std::string method;
  std::string uri;
  core::Json content = core::Json::object();
  std::optional<std::string> reason;  // top-level "reason" (server → client deletes)

  // From the URI (docs/protocol.md §7.1 table): "partner", "session", "connection", "stream",
  // "subscriber", "channel", "signal", "archive", … → value.
  std::map<std::string, std::string, std::less<>> params;
  // "session", "connection", "stream", "stream_channel", "subscriber",
  // "subscriber_channel", "signal", "archive", "data", … or a trailing single name.
  std::string resource;

  std::optional<std::string_view> param(std::string_view name) const;

  // Parses the JSON envelope and the URI. Requires `method` and `uri` strings, a URI that
  // starts with /v2/ and has partner and session pairs; `content` must be an object when
  // present (absent → {}).
  static std::optional<RaptorMessage> parse(std::string_view json, std::string* error = nullptr);
  // Splits a URI alone (also used for building/validating server URIs).
  static bool parseUri(std::string_view uri,
                       std::map<std::string, std::string, std::less<>>& params,
                       std::string& resource);

  std::string serialize() const;  // {"method","uri","content"[,"reason"]}
};

}  // namespace parley::signaling
