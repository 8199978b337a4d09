#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/Json.h"

namespace parley::session {

// Rumor address of the server's session logic ("symphony", docs/protocol.md §1.5): the destination
// of client requests and the sender of server messages. Session info announces it.
inline constexpr std::string_view kServerAddress = "symphony.parley";

// A Raptor message the session layer wants delivered to one connection.
struct OutboundMessage {
  std::string from;  // X-TB-FROM-ADDRESS: a connection id, "" for REST/server, or symphony.*
  std::string method;
  std::string uri;
  core::Json content = core::Json::object();
  std::optional<std::string> reason;  // top-level reason of `deleted` messages
};

}  // namespace parley::session
