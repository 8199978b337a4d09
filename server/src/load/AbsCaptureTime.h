#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace parley::load {

// The RTP header extension http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time:
// 8 bytes, the capture time as a big-endian UQ32.32 NTP timestamp (seconds since
// 1900-01-01), optionally followed by 8 bytes of Q32.32 estimated capture clock offset.
// The load tool's publishers stamp every packet with their send time and subscribers on
// the same machine compare it with their arrival time: end-to-end latency on one clock.
class AbsCaptureTime {
 public:
  static constexpr const char* kUri =
      "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time";
  static constexpr std::size_t kSize = 8;
  static constexpr std::size_t kExtendedSize = 16;
  // Seconds from the NTP epoch (1900) to the Unix epoch (1970).
  static constexpr std::uint64_t kNtpUnixOffsetSeconds = 2208988800ull;

  // Unix time in µs → 64-bit NTP timestamp (rounded to the nearest 2^-32 s). The seconds
  // field wraps in 2036 as NTP's does (era 1); unixUsFromNtp undoes that.
  static std::uint64_t ntpFromUnixUs(std::int64_t unixUs);
  // NTP timestamp → Unix µs (rounded). A seconds field with its top bit clear is read as
  // era 1 (2036-02-07 onwards), RFC 4330's convention, so times around now are continuous.
  static std::int64_t unixUsFromNtp(std::uint64_t ntp);

  // Writes the 8-byte (short) form; returns the number of bytes written (8).
  static std::size_t write(std::uint8_t* out, std::uint64_t ntp);
  // The capture timestamp of an extension element of 8 or 16 bytes; nullopt otherwise.
  static std::optional<std::uint64_t> read(std::span<const std::uint8_t> ext);
  // The estimated capture clock offset (Q32.32 seconds) of a 16-byte element.
  static std::optional<std::int64_t> readClockOffset(std::span<const std::uint8_t> ext);

  // CLOCK_REALTIME in µs: the clock both ends of a same-machine measurement share.
  static std::int64_t nowUnixUs();
};

}  // namespace parley::load
