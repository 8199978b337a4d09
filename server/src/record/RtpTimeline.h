#pragma once

#include <cstdint>

namespace parley::record {

// Turns one track's 32-bit RTP timestamps into milliseconds since its first frame,
// across wrap-around; `offsetMs` places the track on the recording's timeline (a stream
// that joined later starts later).
class RtpTimeline {
 public:
  RtpTimeline(std::uint32_t clockRate, std::int64_t offsetMs)
      : clockRate_(clockRate), offsetMs_(offsetMs) {}

  std::int64_t toMs(std::uint32_t rtpTimestamp);
  // Where `rtpTimestamp` falls, without moving on (a sender report's time). The timeline
  // must have started.
  std::int64_t peekMs(std::uint32_t rtpTimestamp) const;
  bool started() const { return started_; }
  // Moves everything that follows by `ms` (keeping a track in step with another).
  void shift(std::int64_t ms) { offsetMs_ += ms; }

 private:
  std::uint32_t clockRate_;
  std::int64_t offsetMs_;
  bool started_ = false;
  std::uint32_t last_ = 0;
  std::int64_t extendedLast_ = 0;  // ticks since first_
};

}  // namespace parley::record
