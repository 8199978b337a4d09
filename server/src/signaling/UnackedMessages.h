#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace parley::signaling {

// The server messages one connection has not acknowledged yet (docs/protocol.md §6.5),
// in send order, so that they can be sent again after a reconnection. Bounded in count and
// in bytes (of the frames as sent): beyond either limit the oldest are forgotten. Messages
// are known by the sequence number of their transaction id (TransactionIds), which grows
// with every send, so the queue is sorted by it: an acknowledgement finds its message by
// binary search, with no index to keep; its slot leaves the queue when everything before it
// has gone too.
// A message is kept as what every recipient of its fan-out shares (one copy for all of
// them), not as the recipient's frame: a thousand clients joining one session each have up
// to a thousand `connection created` messages in flight, and a frame per recipient made
// that a quarter of a gigabyte. The owner rebuilds the frame from the recipient's
// connection id and the transaction id of the sequence number.
class UnackedMessages {
 public:
  struct Limits {
    std::size_t maxCount = 1000;
    std::size_t maxBytes = 1024 * 1024;
  };

  // The recipient-independent part of a MESSAGE frame.
  struct Message {
    std::string from;     // X-TB-FROM-ADDRESS
    std::string payload;  // the Raptor message
  };
  using SharedMessage = std::shared_ptr<const Message>;

  explicit UnackedMessages(Limits limits) : limits_(limits) {}

  // `sequence` must be above every one pushed before (a repeat or a step back is ignored).
  // `frameBytes` is the size of the frame sent, which the byte limit counts.
  void push(std::uint64_t sequence, SharedMessage message, std::size_t frameBytes);
  // False when `sequence` is unknown (acknowledged already, forgotten, or never sent).
  bool ack(std::uint64_t sequence);
  // Every pending message, oldest first.
  void forEach(const std::function<void(std::uint64_t sequence, const Message& message)>& fn) const;

  std::size_t count() const { return count_; }
  std::size_t bytes() const { return bytes_; }  // frame bytes of pending messages
  // Frame bytes of every slot held, acknowledged ones behind a pending one included.
  std::size_t bufferedBytes() const { return bufferedBytes_; }
  std::uint64_t forgotten() const { return forgotten_; }

 private:
  struct Entry {
    std::uint64_t sequence;
    SharedMessage message;  // null once acknowledged
    std::uint32_t size;
  };
  void popFront();

  Limits limits_;
  std::deque<Entry> entries_;  // pending and acknowledged slots, oldest first
  std::size_t bufferedBytes_ = 0;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t forgotten_ = 0;
};

}  // namespace parley::signaling
