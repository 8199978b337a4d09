#pragma once

#include <string>

#include "core/Json.h"

namespace parley::session {

// One client's subscription to a stream (docs/protocol.md §7.9).
struct Subscriber {
  std::string id;  // widget id chosen by the subscribing client
  std::string streamId;
  std::string connectionId;  // the subscribing connection
  std::string peerId;        // the peer connection id (generateoffer relayed, offer routed)
  core::Json channels = core::Json::array();
  // What the subscriber asked of its video's frame rate (routed: the SFU's temporal layers).
  double preferredFrameRate = 0;  // 0: no preference
  bool restrictFrameRate = false;
};

}  // namespace parley::session
