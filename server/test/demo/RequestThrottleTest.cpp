#include "demo/RequestThrottle.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::demo {
namespace {

RequestThrottle::Limits limits(double rate, double burst, double globalRate, double globalBurst,
                               std::size_t maxAddresses = 4096) {
  RequestThrottle::Limits l;
  l.perAddressRate = rate;
  l.perAddressBurst = burst;
  l.globalRate = globalRate;
  l.globalBurst = globalBurst;
  l.maxAddresses = maxAddresses;
  return l;
}

TEST(RequestThrottleTest, KeysIgnoreThePortAndGroupIpv6By64) {
  EXPECT_EQ(RequestThrottle::clientKey("203.0.113.9:5000"), "203.0.113.9");
  EXPECT_EQ(RequestThrottle::clientKey("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(RequestThrottle::clientKey("[2001:db8:1:2:aaaa::1]:443"), "2001:db8:1:2::/64");
  EXPECT_EQ(RequestThrottle::clientKey("2001:db8:1:2:bbbb::7:443"), "2001:db8:1:2::/64");
  EXPECT_EQ(RequestThrottle::clientKey("::ffff:198.51.100.4:80"), "198.51.100.4");
  EXPECT_EQ(RequestThrottle::clientKey("not an address"), "not an address");
}

TEST(RequestThrottleTest, BurstThenRefillPerAddress) {
  RequestThrottle t(limits(2, 3, 1000, 1000));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t.admit("10.0.0.1:1", 100.0), 0.0) << i;
  const double wait = t.admit("10.0.0.1:2", 100.0);
  EXPECT_GT(wait, 0.0);
  EXPECT_LE(wait, 0.5);
  // Another address has its own bucket.
  EXPECT_EQ(t.admit("10.0.0.2:1", 100.0), 0.0);
  // Half a second later one token is back, and only one.
  EXPECT_EQ(t.admit("10.0.0.1:3", 100.5), 0.0);
  EXPECT_GT(t.admit("10.0.0.1:3", 100.5), 0.0);
}

TEST(RequestThrottleTest, AddressesInOneIpv6BlockShareABucket) {
  RequestThrottle t(limits(1, 2, 1000, 1000));
  EXPECT_EQ(t.admit("[2001:db8::1]:1", 0), 0.0);
  EXPECT_EQ(t.admit("[2001:db8::2]:1", 0), 0.0);
  EXPECT_GT(t.admit("[2001:db8::3]:1", 0), 0.0);
  EXPECT_EQ(t.admit("[2001:db8:0:1::3]:1", 0), 0.0);
}

TEST(RequestThrottleTest, TheGlobalBucketCapsManyAddresses) {
  RequestThrottle t(limits(10, 10, 1, 5));
  int admitted = 0;
  for (int i = 0; i < 50; ++i)
    if (t.admit("192.0.2." + std::to_string(i) + ":1", 7.0) == 0) ++admitted;
  EXPECT_EQ(admitted, 5);
}

TEST(RequestThrottleTest, TheAddressTableStaysBounded) {
  RequestThrottle t(limits(1, 2, 1e9, 1e9, 8));
  // Every address drains its bucket, so none can be forgotten as idle.
  for (int i = 0; i < 100; ++i) {
    const std::string remote = "198.51.100." + std::to_string(i) + ":1";
    EXPECT_EQ(t.admit(remote, i), 0.0);
    EXPECT_EQ(t.admit(remote, i), 0.0);
    EXPECT_LE(t.trackedAddresses(), 8u);
  }
  // The most recent addresses are still remembered as drained.
  EXPECT_GT(t.admit("198.51.100.99:1", 99), 0.0);
}

TEST(RequestThrottleTest, IdleAddressesAreForgottenFirst) {
  RequestThrottle t(limits(0.1, 2, 1e9, 1e9, 2));
  EXPECT_EQ(t.admit("192.0.2.1:1", 0), 0.0);  // one token left, then idle
  EXPECT_EQ(t.admit("192.0.2.2:1", 0), 0.0);
  EXPECT_EQ(t.admit("192.0.2.2:1", 0), 0.0);  // drained
  // At t=10 the first bucket is full again and makes room; the second has one token.
  EXPECT_EQ(t.admit("192.0.2.3:1", 10), 0.0);
  EXPECT_EQ(t.trackedAddresses(), 2u);
  EXPECT_EQ(t.admit("192.0.2.2:1", 10), 0.0);
  EXPECT_GT(t.admit("192.0.2.2:1", 10), 0.0);  // remembered: not a fresh bucket of two
}

}  // namespace
}  // namespace parley::demo
