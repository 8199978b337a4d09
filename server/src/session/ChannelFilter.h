#pragma once

#include <optional>

#include "core/Json.h"

namespace parley::session {

// What a publisher may store in its stream's channels (docs/protocol.md §7.6.1, §7.6.4).
// A stream's channels are echoed to every connection of the session and kept for its life,
// so only the attributes clients understand are kept, as short scalars; anything else is
// dropped (receivers stop reading an update at an unknown key anyway). This keeps what one
// publisher can make the server store and fan out small and fixed.
class ChannelFilter {
 public:
  static constexpr std::size_t kMaxChannels = 8;
  static constexpr std::size_t kMaxStringValue = 64;

  // A channel of `stream create`: an object with a string id and type; nullopt otherwise.
  static std::optional<core::Json> channel(const core::Json& in);
  // The attributes of a channel update that may be merged and echoed (never id or type).
  static core::Json update(const core::Json& in);
};

}  // namespace parley::session
