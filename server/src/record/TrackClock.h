#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "record/PacketRing.h"
#include "record/RtpTimeline.h"

namespace parley::record {

// One track's clock in a recording: where its RTP timestamps fall on the recording's timeline
// and what its sender last reported (RTCP SR: NTP wall time and RTP timestamp). Together they
// tell which wall time the publisher's clock gives the timeline's zero; tracks of one stream
// in step agree on it, so alignTracks() moves audio tracks until they agree with the video.
struct TrackClock {
  bool video = false;
  std::optional<RtpTimeline> timeline;                           // from the track's first frame
  std::optional<std::pair<std::int64_t, std::uint32_t>> report;  // NTP ms, RTP timestamp

  // Sync never moves a track further than this (a report that says otherwise is wrong), and
  // smaller differences are left alone (not worth a step in the audio).
  static constexpr std::int64_t kMaxShiftMs = 2000;
  static constexpr std::int64_t kMinShiftMs = 5;

  // The wall time of the timeline's zero; nullopt before a report and a first frame.
  std::optional<std::int64_t> zero() const;
  // Takes a sender report the recording tap queued (PacketRing::Packet::senderReport).
  void takeReport(const PacketRing::Packet& packet);

  // Shifts each audio clock to the first video clock that knows its zero; how many moved.
  static std::size_t alignTracks(std::span<TrackClock*> clocks);
};

}  // namespace parley::record
