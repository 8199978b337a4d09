#include "media/rtp/TransportCcRecorder.h"

namespace parley::media::rtp {

namespace {

constexpr int64_t kSpan = static_cast<int64_t>(TransportCcRecorder::kWindow);  // signed
constexpr int64_t kTicksPerReference =
    rtcp::TransportFeedback::kReferenceUnitUs / rtcp::TransportFeedback::kDeltaUnitUs;

int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Upper bound of a feedback's size: TransportFeedback::build starts a chunk with fewer
// than 7 statuses only for the last one, so `statuses` take at most ceil(statuses / 7).
size_t sizeBound(size_t statuses, size_t deltaBytes) {
  const size_t size = rtcp::TransportFeedback::kFixedSize + 2 * ((statuses + 6) / 7) + deltaBytes;
  return (size + 3) & ~static_cast<size_t>(3);
}

}  // namespace

const TransportCcRecorder::Arrival* TransportCcRecorder::arrival(int64_t seq) const {
  const Arrival& a = arrivals_[static_cast<size_t>(seq % kSpan)];
  return a.seq == seq ? &a : nullptr;
}

void TransportCcRecorder::onPacket(uint16_t transportSeq, int64_t arrivalUs) {
  int64_t ext = 0;
  if (!started_) {
    // Start high so that packets reordered before the first one stay non-negative.
    ext = (int64_t{1} << 16) + transportSeq;
    started_ = true;
    highest_ = ext;
    nextToReport_ = ext;
  } else {
    const auto diff =
        static_cast<int16_t>(static_cast<uint16_t>(transportSeq - static_cast<uint16_t>(highest_)));
    ext = highest_ + diff;
    if (ext <= highest_ - kSpan) return;  // its slot has been reused
    if (ext < nextToReport_) {
      if (reported_) return;  // already reported as lost
      nextToReport_ = ext;    // reordered ahead of the very first packet
    }
  }
  Arrival& slot = arrivals_[static_cast<size_t>(ext % kSpan)];
  if (slot.seq == ext) return;  // duplicate
  slot.seq = ext;
  slot.us = arrivalUs;
  if (ext > highest_) {
    highest_ = ext;
    // Unreported packets that fall out of the window are never reported.
    if (nextToReport_ <= highest_ - kSpan) nextToReport_ = highest_ - kSpan + 1;
  }
}

size_t TransportCcRecorder::buildFeedback(uint8_t* out, size_t capacity, uint32_t senderSsrc,
                                          uint32_t mediaSsrc) {
  if (!started_ || nextToReport_ > highest_ || out == nullptr) return 0;

  // Leading packets that were not received carry no delta; the first received one sets
  // the reference time.
  size_t count = 0;
  int64_t seq = nextToReport_;
  for (; arrival(seq) == nullptr; ++seq) packets_[count++] = {};  // ends at highest_
  const int64_t firstUs = arrival(seq)->us;
  const int64_t reference = floorDiv(firstUs, rtcp::TransportFeedback::kReferenceUnitUs);
  int64_t lastTicks = reference * kTicksPerReference;
  size_t deltaBytes = 0;

  for (; seq <= highest_; ++seq) {
    rtcp::TransportFeedback::Packet p;
    size_t bytes = 0;
    int64_t ticks = lastTicks;
    if (const Arrival* a = arrival(seq)) {
      ticks = floorDiv(a->us, rtcp::TransportFeedback::kDeltaUnitUs);
      const int64_t delta = ticks - lastTicks;
      if (delta < INT16_MIN || delta > INT16_MAX) break;  // starts the next feedback
      p.received = true;
      p.deltaTicks = static_cast<int32_t>(delta);
      bytes = delta >= 0 && delta <= 255 ? 1 : 2;
    }
    const bool first = deltaBytes == 0 && p.received;
    if (!first && sizeBound(count + 1, deltaBytes + bytes) > capacity) break;
    packets_[count++] = p;
    deltaBytes += bytes;
    lastTicks = ticks;
  }

  rtcp::TransportFeedback::Header header;
  header.senderSsrc = senderSsrc;
  header.mediaSsrc = mediaSsrc;
  header.baseSequenceNumber = static_cast<uint16_t>(nextToReport_);
  // 24-bit wrap, read back as the signed field the header holds.
  int32_t wrapped = static_cast<int32_t>(reference & 0xFFFFFF);
  if (wrapped > 0x7FFFFF) wrapped -= 0x1000000;
  header.referenceTime = wrapped;
  header.feedbackPacketCount = feedbackCount_;
  // The bound is loose for long runs of lost packets: the first received one may fit
  // although the bound says not.
  const size_t size = rtcp::TransportFeedback::build(out, capacity, header, packets_.data(), count);
  if (size == 0) return 0;
  nextToReport_ += static_cast<int64_t>(count);
  reported_ = true;
  ++feedbackCount_;
  return size;
}

}  // namespace parley::media::rtp
