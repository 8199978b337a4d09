#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::signaling {

// The STATUS frames recently sent to one connection, by transaction id, so that a request
// re-sent after a reconnection is answered again instead of executed twice
// (docs/protocol.md §6.5, §6.7). Bounded in count and bytes (oldest forgotten first);
// a reply larger than maxEntryBytes is not remembered at all. Lookups are O(1).
class ReplyCache {
 public:
  struct Limits {
    std::size_t maxCount = 256;
    std::size_t maxBytes = 32 * 1024;
    // A larger reply (a session's state) is not kept: a repeated `connection create` is
    // answered by the session layer's retry path, which rebuilds it.
    std::size_t maxEntryBytes = 8 * 1024;
  };

  explicit ReplyCache(Limits limits) : limits_(limits) {}

  void remember(std::string transactionId, std::string frame);
  const std::string* find(std::string_view transactionId) const;

  std::size_t count() const { return order_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  Limits limits_;
  std::deque<std::string> order_;  // transaction ids, oldest first
  std::unordered_map<std::string, std::string> frames_;
  std::size_t bytes_ = 0;
};

}  // namespace parley::signaling
