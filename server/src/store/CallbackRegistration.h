#pragma once

#include <cstdint>
#include <string>

namespace parley::store {

// A project's session-monitoring callback (docs/protocol.md §3.4.12): events of one group and kind
// are POSTed to `url`.
struct CallbackRegistration {
  std::string id;  // UUID
  std::string apiKey;
  std::string group;  // "connection" | "stream"
  std::string event;  // "created" | "destroyed"
  std::string url;
  std::int64_t createdAtMs = 0;
};

}  // namespace parley::store
