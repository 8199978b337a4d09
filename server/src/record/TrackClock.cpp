#include "record/TrackClock.h"

#include <cstdlib>

namespace parley::record {

std::optional<std::int64_t> TrackClock::zero() const {
  if (!report || !timeline || !timeline->started()) return std::nullopt;
  return report->first - timeline->peekMs(report->second);
}

void TrackClock::takeReport(const PacketRing::Packet& packet) {
  const auto sr = PacketRing::senderReportOf(packet);
  if (!sr) return;
  const std::uint64_t ntp = sr->ntpTimestamp;
  const auto ntpMs =
      static_cast<std::int64_t>((ntp >> 32) * 1000 + (((ntp & 0xffffffffu) * 1000) >> 32));
  report = std::make_pair(ntpMs, sr->rtpTimestamp);
}

std::size_t TrackClock::alignTracks(std::span<TrackClock*> clocks) {
  std::optional<std::int64_t> videoZero;
  for (const TrackClock* c : clocks)
    if (c->video && (videoZero = c->zero())) break;
  if (!videoZero) return 0;
  std::size_t moved = 0;
  for (TrackClock* c : clocks) {
    if (c->video) continue;
    const auto zero = c->zero();
    if (!zero) continue;
    // A frame at wall time W sits at W - zero; in step with the video it sits at
    // W - videoZero.
    const std::int64_t shift = *zero - *videoZero;
    if (std::abs(shift) < kMinShiftMs || std::abs(shift) > kMaxShiftMs) continue;
    c->timeline->shift(shift);
    ++moved;
  }
  return moved;
}

}  // namespace parley::record
