#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "record/EncodedFrame.h"

namespace parley::record {

// The hand-off from the recorder thread (ComposerInput) to a composer's thread: whole frames
// and sender reports of the composition's streams, bounded in count and bytes so that a
// composer that falls behind costs frames, never memory.
class ComposerMailbox {
 public:
  struct Message {
    enum class Kind { Frame, SenderReport, Ended } kind = Kind::Frame;
    std::uint64_t input = 0;
    std::uint8_t track = 0;
    EncodedFrame frame;
    std::int64_t arrivedMs = 0;                       // steady clock
    std::pair<std::int64_t, std::uint32_t> report{};  // NTP ms, RTP timestamp
  };
  static constexpr std::size_t kMaxMessages = 2048;
  static constexpr std::size_t kMaxBytes = 32 * 1024 * 1024;

  // False when the mailbox is full (the message is dropped). Ended always gets in.
  bool post(Message message);
  // Everything waiting, oldest first.
  std::deque<Message> takeAll();

 private:
  std::mutex mutex_;
  std::deque<Message> messages_;  // guarded by mutex_
  std::size_t bytes_ = 0;         // guarded by mutex_
};

}  // namespace parley::record
