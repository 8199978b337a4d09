#include "signaling/UnackedMessages.h"

#include <algorithm>

namespace parley::signaling {

void UnackedMessages::push(std::uint64_t sequence, std::string_view frame) {
  if (!entries_.empty() && sequence <= entries_.back().sequence) return;
  // A frame too large to count is also too large to keep.
  if (frame.size() > limits_.maxBytes) {
    ++forgotten_;
    return;
  }
  if (blocks_.empty() || blocks_.back().size() + frame.size() > kBlockBytes) {
    blocks_.emplace_back();
    // A connection's first block starts small (most hold a frame or two) and may grow; a
    // later one is allocated whole, so it is never copied.
    blocks_.back().reserve(
        std::max(frame.size(), blocks_.size() == 1 ? std::size_t(512) : kBlockBytes));
  }
  std::string& block = blocks_.back();
  entries_.push_back(Entry{sequence, firstBlock_ + blocks_.size() - 1,
                           static_cast<std::uint32_t>(block.size()),
                           static_cast<std::uint32_t>(frame.size()), true});
  block.append(frame);
  bufferedBytes_ += frame.size();
  bytes_ += frame.size();
  ++count_;
  // Acknowledged slots (and their bytes) behind an old pending one cost memory too: cap
  // them as well as the pending ones.
  while (count_ > limits_.maxCount || bytes_ > limits_.maxBytes ||
         entries_.size() > 4 * limits_.maxCount + 16 ||
         bufferedBytes_ > 2 * limits_.maxBytes + kBlockBytes) {
    if (entries_.front().pending) ++forgotten_;
    popFront();
  }
}

bool UnackedMessages::ack(std::uint64_t sequence) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), sequence,
                             [](const Entry& e, std::uint64_t s) { return e.sequence < s; });
  if (it == entries_.end() || it->sequence != sequence || !it->pending) return false;
  bytes_ -= it->size;
  --count_;
  it->pending = false;
  while (!entries_.empty() && !entries_.front().pending) popFront();
  return true;
}

void UnackedMessages::popFront() {
  const Entry& e = entries_.front();
  if (e.pending) {
    bytes_ -= e.size;
    --count_;
  }
  entries_.pop_front();
  // Blocks before the oldest remaining slot hold nothing anyone can ask for.
  releaseBlocksBefore(entries_.empty() ? firstBlock_ + blocks_.size() : entries_.front().block);
}

void UnackedMessages::releaseBlocksBefore(std::uint64_t block) {
  const auto count = static_cast<std::size_t>(block - firstBlock_);
  if (count == 0) return;
  if (count >= blocks_.size()) {
    // Empty: everything goes, the vector's own memory too.
    std::vector<std::string>().swap(blocks_);
    bufferedBytes_ = 0;
  } else {
    for (std::size_t i = 0; i < count; ++i) bufferedBytes_ -= blocks_[i].size();
    blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(count));
  }
  firstBlock_ = block;
}

std::string_view UnackedMessages::frameOf(const Entry& e) const {
  return std::string_view(blocks_[static_cast<std::size_t>(e.block - firstBlock_)])
      .substr(e.offset, e.size);
}

void UnackedMessages::forEach(const std::function<void(std::string_view frame)>& fn) const {
  for (const auto& e : entries_)
    if (e.pending) fn(frameOf(e));
}

}  // namespace parley::signaling
