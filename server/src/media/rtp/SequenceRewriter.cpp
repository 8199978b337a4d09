#include "media/rtp/SequenceRewriter.h"

#include <algorithm>
#include <bit>

namespace parley::media::rtp {

namespace {

// Extends a 16-bit value to the int64 nearest to `reference`.
int64_t unwrap16(uint16_t value, int64_t reference) {
  const auto diff =
      static_cast<int16_t>(static_cast<uint16_t>(value - static_cast<uint16_t>(reference)));
  return reference + diff;
}

int64_t unwrap32(uint32_t value, int64_t reference) {
  const auto diff =
      static_cast<int32_t>(static_cast<uint32_t>(value - static_cast<uint32_t>(reference)));
  return reference + diff;
}

constexpr int64_t kMaxElapsedUs = 24LL * 3600 * 1000 * 1000;  // clamp: keeps ticks small

}  // namespace

SequenceRewriter::SequenceRewriter(uint32_t clockRate, size_t historySize) : clockRate_(clockRate) {
  const size_t size = std::bit_ceil(std::clamp<size_t>(historySize, kMinHistorySize, 1 << 15));
  history_.resize(size);
  historyBits_ = static_cast<unsigned>(std::countr_zero(size));
}

void SequenceRewriter::switchSource(std::chrono::microseconds elapsed) {
  ++source_;
  switchPending_ = true;
  const int64_t us = std::clamp<int64_t>(elapsed.count(), 0, kMaxElapsedUs);
  pendingTicks_ = std::max<int64_t>(1, us * static_cast<int64_t>(clockRate_) / 1000000);
}

std::optional<SequenceRewriter::Rewritten> SequenceRewriter::rewrite(uint16_t sequenceNumber,
                                                                     uint32_t timestamp) {
  int64_t inSeq = 0;
  int64_t inTs = 0;
  if (switchPending_) {
    // First packet of a source: it anchors the unwrapping and the offsets.
    inSeq = sequenceNumber;
    inTs = timestamp;
    firstInSeq_ = inSeq;
    highestInSeq_ = inSeq;
    highestInTs_ = inTs;
    if (started_) {
      seqDelta_ = highestOutSeq_ + 1 - inSeq;
      tsDelta_ = highestOutTs_ + pendingTicks_ - inTs;
    } else {
      seqDelta_ = 0;  // the first source passes through unchanged
      tsDelta_ = 0;
      highestOutSeq_ = inSeq - 1;
      highestOutTs_ = inTs;
    }
    switchPending_ = false;
    started_ = true;
    dropCount_ = 0;
  } else {
    inSeq = unwrap16(sequenceNumber, highestInSeq_);
    inTs = unwrap32(timestamp, highestInTs_);
    if (inSeq < firstInSeq_) return std::nullopt;  // from before the switch
    if (inSeq > highestInSeq_) {
      highestInSeq_ = inSeq;
      highestInTs_ = inTs;
    }
  }

  // Drops after this packet were subtracted from seqDelta_ after it was numbered: add them back.
  int64_t later = 0;
  if (dropCount_ && inSeq <= (*drops_)[(dropCount_ - 1) % kDropHistory]) {
    const size_t kept = std::min(dropCount_, kDropHistory);
    for (size_t i = 0; i < kept; ++i) {
      const int64_t d = (*drops_)[(dropCount_ - 1 - i) % kDropHistory];
      if (d == inSeq) return std::nullopt;  // a retransmission of a dropped packet
      if (d < inSeq) break;
      ++later;
    }
    // Older than every drop remembered: its numbering is lost.
    if (static_cast<size_t>(later) == kDropHistory) return std::nullopt;
  }
  const int64_t outSeq = inSeq + seqDelta_ + later;
  const int64_t outTs = inTs + tsDelta_;
  if (outSeq > highestOutSeq_) {
    highestOutSeq_ = outSeq;
    highestOutTs_ = outTs;
  }
  if (highestOutSeq_ - outSeq < static_cast<int64_t>(history_.size())) {
    // A packet reordered by more than the window would evict a newer entry; skip it.
    Entry& e = slot(outSeq);
    e.lap = lapOf(outSeq);
    e.incoming = sequenceNumber;
    e.sourcePlusOne = source_ + 1;
  }
  return Rewritten{static_cast<uint16_t>(outSeq), static_cast<uint32_t>(outTs)};
}

void SequenceRewriter::drop(uint16_t sequenceNumber) {
  if (switchPending_ || !started_) return;  // nothing numbered from this source yet
  const int64_t inSeq = unwrap16(sequenceNumber, highestInSeq_);
  if (inSeq <= highestInSeq_) return;  // too late to leave no gap
  highestInSeq_ = inSeq;
  --seqDelta_;
  if (!drops_) drops_ = std::make_unique<std::array<int64_t, kDropHistory>>();
  (*drops_)[dropCount_ % kDropHistory] = inSeq;
  ++dropCount_;
}

std::optional<SequenceRewriter::Origin> SequenceRewriter::origin(
    uint16_t outgoingSequenceNumber) const {
  if (!started_) return std::nullopt;
  const int64_t outSeq = unwrap16(outgoingSequenceNumber, highestOutSeq_);
  if (outSeq > highestOutSeq_ || highestOutSeq_ - outSeq >= static_cast<int64_t>(history_.size()) ||
      outSeq < 0)
    return std::nullopt;
  const Entry& e = slot(outSeq);
  if (e.sourcePlusOne == 0 || e.lap != lapOf(outSeq)) return std::nullopt;
  return Origin{e.incoming, e.sourcePlusOne - 1};
}

}  // namespace parley::media::rtp
