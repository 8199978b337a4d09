#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/Result.h"
#include "core/Role.h"
#include "core/SessionProperties.h"

namespace parley::demo {

// The parameters of GET /demo/token, validated: what the demo page asks its "backend"
// for. Everything here ends up in a token or a database row, so nothing loose passes.
struct TokenRequest {
  std::string room;
  std::string displayName;
  core::Role role = core::Role::Publisher;
  // The media mode a room gets when this request creates it; an existing room keeps its own.
  core::MediaMode mediaModeIfNew = core::MediaMode::Routed;

  using FieldLookup = std::function<std::optional<std::string>(std::string_view name)>;

  // Reads room, name, role (default publisher) and mediaMode (default routed).
  static core::Result<TokenRequest> parse(const FieldLookup& field);

  static constexpr std::size_t kMaxRoomLength = 64;
  static constexpr std::size_t kMaxNameLength = 64;  // in characters (code points)

  // 1 to 64 characters of A-Z a-z 0-9 . _ ~ - : safe in a URL, a log line and a file name.
  static bool isValidRoomName(std::string_view room);
  // 1 to 64 characters of valid UTF-8 without control characters.
  static bool isValidDisplayName(std::string_view name);
};

}  // namespace parley::demo
