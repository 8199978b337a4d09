#include "record/ReorderBuffer.h"

namespace parley::record {

std::int64_t ReorderBuffer::unwrap(std::uint16_t sequence) const {
  // The extended number nearest the highest seen.
  const std::int64_t base = highest_ & ~std::int64_t(0xFFFF);
  std::int64_t candidate = base + sequence;
  if (candidate - highest_ > 0x8000) candidate -= 0x10000;
  if (highest_ - candidate > 0x8000) candidate += 0x10000;
  return candidate;
}

void ReorderBuffer::push(std::uint16_t sequence, std::span<const std::uint8_t> bytes,
                         std::int64_t nowMs) {
  if (!started_) {
    started_ = true;
    highest_ = next_ = 0x10000 + sequence;  // room below for late packets
    firstArrivalMs_ = nowMs;
  }
  const std::int64_t extended = unwrap(sequence);
  if ((primed_ && extended < next_) || packets_.count(extended)) {
    ++duplicates_;
    return;
  }
  // A jump far ahead (a new source, or garbage) is not waited for packet by packet.
  if (extended - next_ > static_cast<std::int64_t>(4 * options_.capacity)) {
    lost_ += static_cast<std::uint64_t>(extended - next_) - packets_.size();
    packets_.clear();
    next_ = extended;
    gapSinceMs_ = -1;
  }
  if (extended > highest_) highest_ = extended;
  packets_.emplace(extended, Held{std::vector<std::uint8_t>(bytes.begin(), bytes.end()), nowMs});
  if (primed_ && packets_.begin()->first != next_ && gapSinceMs_ < 0) gapSinceMs_ = nowMs;
}

std::optional<ReorderBuffer::Packet> ReorderBuffer::pop(std::int64_t nowMs) {
  if (packets_.empty()) return std::nullopt;
  if (!primed_) {
    if (packets_.size() < options_.capacity / 8 && nowMs - firstArrivalMs_ < options_.maxWaitMs)
      return std::nullopt;
    primed_ = true;
    next_ = packets_.begin()->first;
  }
  auto first = packets_.begin();
  bool afterLoss = false;
  if (first->first != next_) {
    const bool waitedEnough = gapSinceMs_ >= 0 && nowMs - gapSinceMs_ >= options_.maxWaitMs;
    if (!waitedEnough && packets_.size() < options_.capacity) return std::nullopt;
    lost_ += static_cast<std::uint64_t>(first->first - next_);
    afterLoss = true;
  }
  Packet out{std::move(first->second.bytes), afterLoss, first->second.arrivedMs};
  next_ = first->first + 1;
  packets_.erase(first);
  gapSinceMs_ = -1;
  if (!packets_.empty() && packets_.begin()->first != next_)
    gapSinceMs_ = packets_.begin()->second.arrivedMs;
  return out;
}

}  // namespace parley::record
