#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::signaling {

// The server messages one connection has not acknowledged yet (docs/protocol.md §6.5),
// in send order, so that they can be sent again after a reconnection. Bounded in count and
// in bytes: beyond either limit the oldest are forgotten. Messages are known by the
// sequence number of their transaction id (TransactionIds), which grows with every send,
// so the queue is sorted by it: an acknowledgement finds its message by binary search, with
// no index to keep; its slot leaves the queue when everything before it has gone too.
// The frames themselves are packed into blocks of up to 64 KiB rather than kept as a
// string each: a busy session sends millions of small frames, and a million small
// allocations freed in a different order than made leave the heap fragmented (memory that
// stays resident for every connection long after the burst). Blocks are never grown past
// their size nor moved, so a fan-out that adds a frame to a thousand connections copies
// nothing already held.
class UnackedMessages {
 public:
  struct Limits {
    std::size_t maxCount = 1000;
    std::size_t maxBytes = 1024 * 1024;
  };

  explicit UnackedMessages(Limits limits) : limits_(limits) {}

  // `sequence` must be above every one pushed before (a repeat or a step back is ignored).
  void push(std::uint64_t sequence, std::string_view frame);
  // False when `sequence` is unknown (acknowledged already, forgotten, or never sent).
  bool ack(std::uint64_t sequence);
  // Every pending frame, oldest first.
  void forEach(const std::function<void(std::string_view frame)>& fn) const;

  std::size_t count() const { return count_; }
  std::size_t bytes() const { return bytes_; }  // of pending frames
  // Bytes held in the buffer, acknowledged frames behind a pending one included.
  std::size_t bufferedBytes() const { return bufferedBytes_; }
  std::uint64_t forgotten() const { return forgotten_; }

 private:
  struct Entry {
    std::uint64_t sequence;
    std::uint64_t block;  // number of the block holding the frame (counted since the start)
    std::uint32_t offset;
    std::uint32_t size;
    bool pending;
  };
  void popFront();
  void releaseBlocksBefore(std::uint64_t block);
  std::string_view frameOf(const Entry& e) const;

  static constexpr std::size_t kBlockBytes = 64 * 1024;

  Limits limits_;
  std::deque<Entry> entries_;        // pending and acknowledged slots, oldest first
  std::vector<std::string> blocks_;  // the frames of entries_; blocks_[0] is block firstBlock_
  std::uint64_t firstBlock_ = 0;
  std::size_t bufferedBytes_ = 0;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t forgotten_ = 0;
};

}  // namespace parley::signaling
