#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::signaling {

// The server messages one connection has not acknowledged yet (docs/protocol.md §6.5),
// in send order, so that they can be sent again after a reconnection. Bounded in count and
// in bytes: beyond either limit the oldest are forgotten. Acknowledging is O(1): a
// message is found by transaction id and its bytes released at once; its slot leaves the
// queue when everything before it has gone too.
class UnackedMessages {
 public:
  struct Limits {
    std::size_t maxCount = 1000;
    std::size_t maxBytes = 1024 * 1024;
  };

  explicit UnackedMessages(Limits limits) : limits_(limits) {}

  void push(std::string transactionId, std::string frame);
  // False when `transactionId` is unknown (acknowledged already, forgotten, or never sent).
  bool ack(std::string_view transactionId);
  // Every pending frame, oldest first.
  void forEach(const std::function<void(const std::string& frame)>& fn) const;

  std::size_t count() const { return count_; }
  std::size_t bytes() const { return bytes_; }
  std::uint64_t forgotten() const { return forgotten_; }

 private:
  struct Entry {
    std::string transactionId;
    std::string frame;
    bool pending = true;
  };
  void popFront();

  Limits limits_;
  std::deque<Entry> entries_;   // pending and acknowledged slots, oldest first
  std::uint64_t firstSeq_ = 0;  // sequence number of entries_.front()
  // Transparent hashing: an acknowledgement's id is looked up without copying it.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>>
      bySeq_;  // pending id → sequence
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t forgotten_ = 0;
};

}  // namespace parley::signaling
