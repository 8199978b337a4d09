#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace parley::record {

// Puts the RTP packets of one stream back in sequence order for the recorder. The first
// packets are held until `maxWaitMs` has passed or capacity/8 are here, so that a stream
// whose first packets arrive out of order still starts at its lowest one. Then a packet
// that is missing is waited for (its retransmission may come) until `maxWaitMs` has passed
// since a later one arrived or `capacity` packets wait behind it; then it is given up and
// the next packet is handed out marked as following a loss. Sequence numbers are unwrapped
// (16-bit); duplicates and packets older than what was handed out are dropped.
class ReorderBuffer {
 public:
  struct Options {
    std::size_t capacity = 512;
    std::int64_t maxWaitMs = 400;
  };
  struct Packet {
    std::vector<std::uint8_t> bytes;  // the whole RTP packet
    bool afterLoss = false;           // packets were given up just before this one
    std::int64_t arrivedMs = 0;       // when it was pushed
  };

  explicit ReorderBuffer(Options options) : options_(options) {}

  // `sequence` is the packet's RTP sequence number, `nowMs` the arrival time.
  void push(std::uint16_t sequence, std::span<const std::uint8_t> bytes, std::int64_t nowMs);
  // The next packet in order, if it is here or the wait for a missing one is over.
  std::optional<Packet> pop(std::int64_t nowMs);

  std::uint64_t lost() const { return lost_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::size_t waiting() const { return packets_.size(); }

 private:
  struct Held {
    std::vector<std::uint8_t> bytes;
    std::int64_t arrivedMs;
  };
  std::int64_t unwrap(std::uint16_t sequence) const;

  Options options_;
  std::map<std::int64_t, Held> packets_;
  bool started_ = false;
  bool primed_ = false;  // the start of the stream is decided
  std::int64_t firstArrivalMs_ = 0;
  std::int64_t next_ = 0;         // extended sequence number handed out next
  std::int64_t highest_ = 0;      // highest extended sequence number seen
  std::int64_t gapSinceMs_ = -1;  // when a packet behind the missing one first arrived
  std::uint64_t lost_ = 0;
  std::uint64_t duplicates_ = 0;
};

}  // namespace parley::record
