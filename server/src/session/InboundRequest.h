#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/Json.h"

namespace parley::session {

// A client's Raptor request as the session layer sees it (decoded by signaling/).
struct InboundRequest {
  std::string method;
  std::string uri;
  std::string resource;  // "connection", "stream", "stream_channel", "subscriber", …
  std::map<std::string, std::string, std::less<>> params;
  core::Json content = core::Json::object();

  std::string param(std::string_view name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

// The STATUS the client gets back: code and optional JSON object payload.
struct Reply {
  int status = 200;
  core::Json payload;  // null → empty payload

  static Reply ok(core::Json payload = {}) { return Reply{200, std::move(payload)}; }
  static Reply error(int status, std::string_view reason) {
    return Reply{status, core::Json::object({{"reason", reason}})};
  }
};

}  // namespace parley::session
