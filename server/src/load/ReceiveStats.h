#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::load {

// What one subscriber saw of one received RTP stream (one SSRC): packets, bytes, the
// extended highest sequence number and from it expected and lost packets (RFC 3550 A.1),
// and interarrival jitter (RFC 3550 §6.4.1 and A.8). onPacket is O(1) and allocates
// nothing: the load tool calls it for every packet of every subscriber.
class ReceiveStats {
 public:
  // Counters at one moment; two of them give rates over the time between (the runner
  // snapshots at the start and at the end of the measurement period).
  struct Snapshot {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t expected = 0;
    std::uint64_t lost = 0;
    std::int64_t atUs = 0;
  };

  // Sequence gaps beyond these are a restart, not loss or reordering (RFC 3550 A.1).
  static constexpr std::uint32_t kMaxDropout = 3000;
  static constexpr std::uint32_t kMaxMisorder = 100;
  static constexpr std::uint32_t kNoBadSeq = 0x10000;  // no 16-bit sequence number

  explicit ReceiveStats(std::uint32_t clockRate) : clockRate_(clockRate) {}

  // `arrivalUs` is any monotonic clock in µs; `bytes` whatever the caller counts (the
  // whole RTP packet, say).
  void onPacket(std::uint16_t sequenceNumber, std::uint32_t rtpTimestamp, std::int64_t arrivalUs,
                std::size_t bytes);

  std::uint32_t clockRate() const { return clockRate_; }
  std::uint64_t packets() const { return packets_; }
  std::uint64_t bytes() const { return bytes_; }
  // The highest sequence number seen, extended with its count of wraparounds (the first
  // packet's number plus the packets since, in sequence terms). 0 before any packet.
  std::int64_t extendedHighest() const { return extendedMax_; }
  // Sequence numbers from the first to the highest (across restarts, each run counted).
  std::uint64_t expected() const;
  // expected() - packets(), never below 0 (duplicates can outnumber losses).
  std::uint64_t lost() const;
  // RFC 3550 interarrival jitter, in RTP clock units and in milliseconds.
  double jitter() const { return jitter_; }
  double jitterMs() const { return clockRate_ ? jitter_ * 1000.0 / clockRate_ : 0.0; }
  // 0 before any packet.
  std::int64_t firstArrivalUs() const { return firstArrivalUs_; }
  std::int64_t lastArrivalUs() const { return lastArrivalUs_; }

  // The counters now; atUs is the caller's clock (the same clock as arrivalUs). The
  // overload without it uses the last arrival time.
  Snapshot snapshot(std::int64_t atUs) const;
  Snapshot snapshot() const { return snapshot(lastArrivalUs_); }

  // Rates between two snapshots (0 when no time passed or nothing was expected).
  static double bitrateBps(const Snapshot& from, const Snapshot& to);
  static double packetRate(const Snapshot& from, const Snapshot& to);
  // Lost / expected over the interval, in [0, 1].
  static double lossFraction(const Snapshot& from, const Snapshot& to);

 private:
  std::uint32_t clockRate_;
  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
  std::int64_t base_ = 0;  // extended number of the first packet of this run
  std::int64_t extendedMax_ = 0;
  std::uint64_t expectedBefore_ = 0;  // expected packets of the runs before a restart
  std::uint32_t badSeq_ = kNoBadSeq;
  double jitter_ = 0;
  std::uint32_t lastRtpTimestamp_ = 0;
  std::int64_t firstArrivalUs_ = 0;
  std::int64_t lastArrivalUs_ = 0;
};

}  // namespace parley::load
