#include "load/AbsCaptureTime.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <vector>

namespace parley::load {
namespace {

TEST(AbsCaptureTimeTest, UnixEpochIsNtpSeconds2208988800) {
  EXPECT_EQ(AbsCaptureTime::ntpFromUnixUs(0), 0x83AA7E8000000000ull);
  EXPECT_EQ(AbsCaptureTime::unixUsFromNtp(0x83AA7E8000000000ull), 0);
}

TEST(AbsCaptureTimeTest, KnownDateWithHalfSecond) {
  // 2000-01-01T00:00:00.5Z: Unix 946684800 s; NTP seconds 3155673600 = 0xBC17C200 and
  // half a second is 0x80000000 in the fraction.
  const std::int64_t us = 946684800LL * 1000000 + 500000;
  EXPECT_EQ(AbsCaptureTime::ntpFromUnixUs(us), 0xBC17C20080000000ull);
  EXPECT_EQ(AbsCaptureTime::unixUsFromNtp(0xBC17C20080000000ull), us);
}

TEST(AbsCaptureTimeTest, OneMicrosecondIsRoundedFraction) {
  // 2^32 / 10^6 = 4294.967296, rounded to 4295; 0.999999 s is 2^32 - 4294.967296.
  EXPECT_EQ(AbsCaptureTime::ntpFromUnixUs(1) & 0xffffffffull, 4295u);
  EXPECT_EQ(AbsCaptureTime::ntpFromUnixUs(999999) & 0xffffffffull, 4294963001u);
}

TEST(AbsCaptureTimeTest, Era1AfterFebruary2036) {
  // 2036-02-07T06:28:16Z is NTP second 2^32: the seconds field wraps to 0.
  const std::int64_t wrapUs = 2085978496LL * 1000000;
  EXPECT_EQ(AbsCaptureTime::ntpFromUnixUs(wrapUs), 0u);
  EXPECT_EQ(AbsCaptureTime::unixUsFromNtp(0), wrapUs);
  EXPECT_EQ(AbsCaptureTime::unixUsFromNtp(AbsCaptureTime::ntpFromUnixUs(wrapUs - 1)), wrapUs - 1);
}

TEST(AbsCaptureTimeTest, RoundTripsMicroseconds) {
  const std::vector<std::int64_t> values = {-1,
                                            -999999,
                                            -1000000,
                                            1,
                                            999999,
                                            1000000,
                                            1764815000123456LL,
                                            1764815000999999LL,
                                            -86400000001LL};
  for (std::int64_t us : values)
    EXPECT_EQ(AbsCaptureTime::unixUsFromNtp(AbsCaptureTime::ntpFromUnixUs(us)), us) << us;
  for (std::int64_t us = 1764815000000000LL; us < 1764815000000000LL + 2000000; us += 997)
    ASSERT_EQ(AbsCaptureTime::unixUsFromNtp(AbsCaptureTime::ntpFromUnixUs(us)), us) << us;
}

TEST(AbsCaptureTimeTest, BeforeEpochHasPositiveFraction) {
  // -0.25 s is 1969-12-31T23:59:59.75: one second less, three quarters of a second.
  EXPECT_EQ(AbsCaptureTime::ntpFromUnixUs(-250000), (0x83AA7E7Full << 32) | 0xC0000000ull);
}

TEST(AbsCaptureTimeTest, WritesBigEndianAndReadsBack) {
  std::array<std::uint8_t, 8> out{};
  EXPECT_EQ(AbsCaptureTime::write(out.data(), 0xBC17C20080000001ull), 8u);
  const std::array<std::uint8_t, 8> expected = {0xBC, 0x17, 0xC2, 0x00, 0x80, 0x00, 0x00, 0x01};
  EXPECT_EQ(out, expected);
  EXPECT_EQ(AbsCaptureTime::read(out), 0xBC17C20080000001ull);
}

TEST(AbsCaptureTimeTest, ReadsExtendedFormAndItsOffset) {
  std::array<std::uint8_t, 16> ext{};
  AbsCaptureTime::write(ext.data(), 0x0102030405060708ull);
  AbsCaptureTime::write(ext.data() + 8, static_cast<std::uint64_t>(-(1LL << 31)));  // -0.5 s
  EXPECT_EQ(AbsCaptureTime::read(ext), 0x0102030405060708ull);
  EXPECT_EQ(AbsCaptureTime::readClockOffset(ext), -(1LL << 31));
  EXPECT_FALSE(AbsCaptureTime::readClockOffset(std::span(ext).first(8)));
}

TEST(AbsCaptureTimeTest, RejectsOtherLengths) {
  std::array<std::uint8_t, 17> ext{};
  for (std::size_t n : {0u, 1u, 7u, 9u, 15u, 17u})
    EXPECT_FALSE(AbsCaptureTime::read(std::span(ext).first(n))) << n;
  EXPECT_TRUE(AbsCaptureTime::read(std::span(ext).first(8)));
  EXPECT_TRUE(AbsCaptureTime::read(std::span(ext).first(16)));
}

TEST(AbsCaptureTimeTest, NowIsTheSystemClock) {
  using namespace std::chrono;
  const auto before = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  const std::int64_t now = AbsCaptureTime::nowUnixUs();
  const auto after = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

}  // namespace
}  // namespace parley::load
