#include "record/RtpTimeline.h"

namespace parley::record {

std::int64_t RtpTimeline::toMs(std::uint32_t rtpTimestamp) {
  if (!started_) {
    started_ = true;
    last_ = rtpTimestamp;
    extendedLast_ = 0;
  } else {
    // The signed 32-bit step from the previous timestamp: forward or a little back.
    const auto step = static_cast<std::int32_t>(rtpTimestamp - last_);
    extendedLast_ += step;
    last_ = rtpTimestamp;
  }
  return offsetMs_ + extendedLast_ * 1000 / static_cast<std::int64_t>(clockRate_);
}

std::int64_t RtpTimeline::peekMs(std::uint32_t rtpTimestamp) const {
  const std::int64_t extended = extendedLast_ + static_cast<std::int32_t>(rtpTimestamp - last_);
  return offsetMs_ + extended * 1000 / static_cast<std::int64_t>(clockRate_);
}

}  // namespace parley::record
