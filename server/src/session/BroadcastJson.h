#pragma once

#include <string>

#include "core/Json.h"
#include "session/BroadcastManager.h"

namespace parley::session {

// The broadcast JSON of the REST API and of broadcast status callbacks (docs/protocol.md
// §3.4.3), as the official server SDKs read it. `publicUrl` (no trailing slash) is where
// parleyd serves the HLS playlist; broadcastUrls is null once the broadcast has stopped.
class BroadcastJson {
 public:
  static core::Json render(const BroadcastManager::Broadcast& broadcast,
                           const std::string& publicUrl);
  // "<publicUrl>/broadcast/<id>/hls/playlist.m3u8"
  static std::string hlsUrl(const std::string& publicUrl, const std::string& broadcastId);
};

}  // namespace parley::session
