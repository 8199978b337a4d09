#include "signaling/UnackedMessages.h"

#include <algorithm>

namespace parley::signaling {

void UnackedMessages::push(std::uint64_t sequence, SharedMessage message, std::size_t frameBytes) {
  if (!message) return;
  if (!entries_.empty() && sequence <= entries_.back().sequence) return;
  // A frame too large to count is also too large to keep.
  if (frameBytes > limits_.maxBytes) {
    ++forgotten_;
    return;
  }
  entries_.push_back(Entry{sequence, std::move(message), static_cast<std::uint32_t>(frameBytes)});
  bufferedBytes_ += frameBytes;
  bytes_ += frameBytes;
  ++count_;
  // Acknowledged slots behind an old pending one cost memory too: cap them as well as the
  // pending ones.
  while (count_ > limits_.maxCount || bytes_ > limits_.maxBytes ||
         entries_.size() > 4 * limits_.maxCount + 16 || bufferedBytes_ > 2 * limits_.maxBytes) {
    if (entries_.front().message) ++forgotten_;
    popFront();
  }
}

bool UnackedMessages::ack(std::uint64_t sequence) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), sequence,
                             [](const Entry& e, std::uint64_t s) { return e.sequence < s; });
  if (it == entries_.end() || it->sequence != sequence || !it->message) return false;
  bytes_ -= it->size;
  --count_;
  it->message.reset();  // the last recipient to acknowledge frees the shared message
  while (!entries_.empty() && !entries_.front().message) popFront();
  return true;
}

void UnackedMessages::popFront() {
  const Entry& e = entries_.front();
  if (e.message) {
    bytes_ -= e.size;
    --count_;
  }
  bufferedBytes_ -= e.size;
  entries_.pop_front();
}

void UnackedMessages::forEach(
    const std::function<void(std::uint64_t sequence, const Message& message)>& fn) const {
  for (const auto& e : entries_)
    if (e.message) fn(e.sequence, *e.message);
}

}  // namespace parley::signaling
