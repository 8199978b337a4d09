#pragma once

#include <cstdint>
#include <string>

namespace parley::store {

// A connection or stream whose "destroyed" webhook is still owed: recorded with its
// "created" event, removed with its "destroyed" one. Whatever a run leaves behind (it
// was killed) is closed out by the next one.
struct OpenSubject {
  std::string kind;  // "connection" | "stream"
  std::string sessionId;
  std::string id;  // connection id or stream id
  std::string apiKey;
  std::string json;  // the webhook's "connection" or "stream" object, as when it opened
  std::int64_t openedAtMs = 0;
};

}  // namespace parley::store
