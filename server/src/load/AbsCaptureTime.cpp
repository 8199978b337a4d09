#include "load/AbsCaptureTime.h"

#include <time.h>

namespace parley::load {

namespace {

constexpr std::int64_t kUsPerSecond = 1000000;

std::uint64_t readBigEndian64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::uint64_t AbsCaptureTime::ntpFromUnixUs(std::int64_t unixUs) {
  // Floor division so that times before 1970 still get a fraction in [0, 1).
  std::int64_t seconds = unixUs / kUsPerSecond;
  std::int64_t rem = unixUs % kUsPerSecond;
  if (rem < 0) {
    rem += kUsPerSecond;
    --seconds;
  }
  const std::uint64_t ntpSeconds =
      static_cast<std::uint64_t>(seconds + static_cast<std::int64_t>(kNtpUnixOffsetSeconds));
  // rem < 2^20, so rem << 32 fits; the rounded fraction stays below 2^32.
  const std::uint64_t fraction =
      ((static_cast<std::uint64_t>(rem) << 32) + kUsPerSecond / 2) / kUsPerSecond;
  return (ntpSeconds << 32) | fraction;
}

std::int64_t AbsCaptureTime::unixUsFromNtp(std::uint64_t ntp) {
  std::uint64_t seconds = ntp >> 32;
  const std::uint64_t fraction = ntp & 0xffffffffull;
  if ((seconds & 0x80000000ull) == 0) seconds += 0x100000000ull;  // era 1
  const std::int64_t unixSeconds =
      static_cast<std::int64_t>(seconds) - static_cast<std::int64_t>(kNtpUnixOffsetSeconds);
  const std::int64_t us = static_cast<std::int64_t>((fraction * kUsPerSecond + (1ull << 31)) >> 32);
  return unixSeconds * kUsPerSecond + us;
}

std::size_t AbsCaptureTime::write(std::uint8_t* out, std::uint64_t ntp) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(ntp);
    ntp >>= 8;
  }
  return kSize;
}

std::optional<std::uint64_t> AbsCaptureTime::read(std::span<const std::uint8_t> ext) {
  if (ext.size() != kSize && ext.size() != kExtendedSize) return std::nullopt;
  return readBigEndian64(ext.data());
}

std::optional<std::int64_t> AbsCaptureTime::readClockOffset(std::span<const std::uint8_t> ext) {
  if (ext.size() != kExtendedSize) return std::nullopt;
  return static_cast<std::int64_t>(readBigEndian64(ext.data() + kSize));
}

std::int64_t AbsCaptureTime::nowUnixUs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * kUsPerSecond + ts.tv_nsec / 1000;
}

}  // namespace parley::load
