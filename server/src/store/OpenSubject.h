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
  // What a node that meets the same key must show to take the subject over (session
  // migration, docs/cluster.md): the SHA-256 of the connection's token — for a stream, of
  // its owner's. Empty: never taken over.
  std::string proof;
};

// What Store::enqueueAndOpen did.
enum class OpenOutcome {
  Opened,   // recorded here, "created" rows enqueued
  MovedIn,  // another node held it with the same proof: it is this node's now, nothing enqueued
  Conflict  // another node holds it with another proof: "created" rows enqueued, row left alone
};

}  // namespace parley::store
