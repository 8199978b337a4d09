#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/Json.h"

namespace parley::session {

// A published stream: the publisher's description with channel updates merged in.
struct Stream {
  std::string id;  // chosen by the publisher
  std::string connectionId;
  std::string name;
  std::int64_t creationTime = 0;              // ms
  core::Json channels = core::Json::array();  // [{id,type,active,…}]
  core::Json extra = core::Json::object();    // other description members echoed back
  std::vector<std::string> layoutClassList;
  bool announced = false;  // `stream created` sent
  std::string peerId;      // routed: the publisher's peer connection id (generateoffer)

  const core::Json* channel(std::string_view channelId) const;
  core::Json* channel(std::string_view channelId);
  // "camera", "screen", "custom"; nullopt for audio-only streams.
  std::optional<std::string> videoType() const;
  bool hasAudio() const;
  bool hasVideo() const;

  // Raptor stream object (docs/protocol.md §7.6.2); `connection` is the owner's connection object.
  core::Json toJson(const core::Json& connection, bool routed) const;
  // REST shape (docs/protocol.md §7.6.3): {"id","videoType","name","layoutClassList"}.
  core::Json toRestJson() const;
};

}  // namespace parley::session
