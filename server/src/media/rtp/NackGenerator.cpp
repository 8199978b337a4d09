#include "media/rtp/NackGenerator.h"

#include <algorithm>

namespace parley::media::rtp {

namespace {

// Older missing packets would no longer unwrap unambiguously against the newest one (nor
// pack in wrapping order into a NACK).
constexpr int64_t kMaxSpan = 0x7FFF;
// Backwards, a packet that far behind is a sender that restarted its sequence. Closer ones
// may be retransmissions that come after we gave up on them, which must not cost a key
// frame.
constexpr int64_t kRestartDistance = 16384;

}  // namespace

void NackGenerator::giveUp() {
  count_ = 0;
  keyFrameNeeded_ = true;
}

void NackGenerator::dropOldest(size_t n) {
  n = std::min(n, count_);
  std::copy(missing_.begin() + static_cast<std::ptrdiff_t>(n),
            missing_.begin() + static_cast<std::ptrdiff_t>(count_), missing_.begin());
  count_ -= n;
}

void NackGenerator::onPacket(uint16_t seq, int64_t nowMs) {
  if (!started_) {
    started_ = true;
    highest_ = seq;
    return;
  }
  const auto diff =
      static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(highest_)));
  const int64_t ext = highest_ + diff;
  if (ext == highest_) return;  // duplicate

  if (ext < highest_) {
    // Late (reordered or retransmitted): no longer missing.
    const auto it =
        std::lower_bound(missing_.begin(), missing_.begin() + static_cast<std::ptrdiff_t>(count_),
                         ext, [](const Missing& m, int64_t s) { return m.seq < s; });
    if (it != missing_.begin() + static_cast<std::ptrdiff_t>(count_) && it->seq == ext) {
      std::copy(it + 1, missing_.begin() + static_cast<std::ptrdiff_t>(count_), it);
      --count_;
      ++recovered_;
      return;
    }
    if (highest_ - ext > kRestartDistance) {
      highest_ = ext;
      giveUp();
    }
    return;
  }

  if (ext - highest_ > kMaxJump) {
    highest_ = ext;
    giveUp();
    return;
  }
  const size_t gap = static_cast<size_t>(ext - highest_ - 1);
  if (count_ + gap > kCapacity) {
    highest_ = ext;
    giveUp();
    return;
  }
  for (int64_t s = highest_ + 1; s < ext; ++s) missing_[count_++] = Missing{s, nowMs, 0, 0};
  highest_ = ext;
  size_t stale = 0;
  while (stale < count_ && highest_ - missing_[stale].seq > kMaxSpan) ++stale;
  dropOldest(stale);
}

size_t NackGenerator::collect(int64_t nowMs, int64_t rttMs, uint16_t* out, size_t capacity) {
  const int64_t interval = std::max(rttMs, kMinRetryIntervalMs);
  size_t written = 0;
  size_t kept = 0;
  for (size_t i = 0; i < count_; ++i) {
    Missing m = missing_[i];
    const bool due = m.retries == 0 || nowMs - m.lastSentMs >= interval;
    // Given up once its last retry had a full interval to come back.
    if (nowMs - m.detectedMs > kMaxAgeMs || (due && m.retries >= kMaxRetries)) continue;
    if (due && written < capacity && out != nullptr) {
      out[written++] = static_cast<uint16_t>(m.seq);
      m.lastSentMs = nowMs;
      ++m.retries;
    }
    missing_[kept++] = m;
  }
  count_ = kept;
  nacksRequested_ += written;
  return written;
}

}  // namespace parley::media::rtp
