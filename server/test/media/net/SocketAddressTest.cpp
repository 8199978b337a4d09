#include "media/net/SocketAddress.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <unordered_map>

namespace parley::media::net {
namespace {

SocketAddress must(std::string_view ip, uint16_t port) {
  auto a = SocketAddress::parse(ip, port);
  EXPECT_TRUE(a) << ip;
  return a.value_or(SocketAddress());
}

TEST(SocketAddressTest, ParsesIpv4) {
  const auto a = SocketAddress::parse("192.0.2.1", 5000);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family(), AF_INET);
  EXPECT_EQ(a->port(), 5000);
  EXPECT_EQ(a->ip(), "192.0.2.1");
  EXPECT_EQ(a->toString(), "192.0.2.1:5000");
  EXPECT_EQ(a->length(), static_cast<socklen_t>(sizeof(sockaddr_in)));
  const auto* sin = reinterpret_cast<const sockaddr_in*>(a->sockaddrPtr());
  EXPECT_EQ(ntohs(sin->sin_port), 5000);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0xC0000201u);
}

TEST(SocketAddressTest, ParsesIpv6) {
  const auto a = SocketAddress::parse("2001:db8::1", 443);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family(), AF_INET6);
  EXPECT_EQ(a->port(), 443);
  EXPECT_EQ(a->ip(), "2001:db8::1");
  EXPECT_EQ(a->toString(), "[2001:db8::1]:443");
  EXPECT_EQ(a->length(), static_cast<socklen_t>(sizeof(sockaddr_in6)));
}

TEST(SocketAddressTest, ParsesBracketedIpv6) {
  const auto a = SocketAddress::parse("[::1]", 8080);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family(), AF_INET6);
  EXPECT_EQ(a->ip(), "::1");
  EXPECT_EQ(a->toString(), "[::1]:8080");
  EXPECT_EQ(*a, must("::1", 8080));
}

TEST(SocketAddressTest, RejectsWhatIsNotAnAddress) {
  for (const char* bad : {"", "localhost", "300.1.1.1", "1.2.3", "[::1", "::1]", "[]", "[",
                          "2001:db8:::1", "1.2.3.4:80", " 1.2.3.4"})
    EXPECT_FALSE(SocketAddress::parse(bad, 1)) << '"' << bad << '"';
}

TEST(SocketAddressTest, ToStunCarriesFamilyPortAndBytes) {
  const auto v4 = must("198.51.100.7", 61000).toStun();
  EXPECT_EQ(v4.family, 4);
  EXPECT_EQ(v4.port, 61000);
  const std::array<uint8_t, 4> ip4 = {198, 51, 100, 7};
  EXPECT_EQ(std::memcmp(v4.ip.data(), ip4.data(), 4), 0);

  const auto v6 = must("2001:db8::42", 3478).toStun();
  EXPECT_EQ(v6.family, 6);
  EXPECT_EQ(v6.port, 3478);
  EXPECT_EQ(v6.ip[0], 0x20);
  EXPECT_EQ(v6.ip[1], 0x01);
  EXPECT_EQ(v6.ip[2], 0x0d);
  EXPECT_EQ(v6.ip[3], 0xb8);
  EXPECT_EQ(v6.ip[15], 0x42);
}

TEST(SocketAddressTest, FromSockaddrRoundTrips) {
  const auto a = must("2001:db8::7", 9);
  const auto b = SocketAddress::fromSockaddr(a.sockaddrPtr(), a.length());
  EXPECT_EQ(b.toString(), "[2001:db8::7]:9");
  EXPECT_EQ(b, a);
  // A length that does not fit is ignored rather than overrunning.
  const auto empty = SocketAddress::fromSockaddr(a.sockaddrPtr(), 0);
  EXPECT_EQ(empty.port(), 0);
}

TEST(SocketAddressTest, KeysAreEqualForTheSameEndpoint) {
  EXPECT_EQ(must("192.0.2.1", 5000).key(), must("192.0.2.1", 5000).key());
  EXPECT_EQ(must("2001:db8::1", 5000).key(), must("[2001:db8::1]", 5000).key());
  const SocketAddress::KeyHash hash;
  EXPECT_EQ(hash(must("192.0.2.1", 5000).key()), hash(must("192.0.2.1", 5000).key()));
}

TEST(SocketAddressTest, KeysDifferByPortAndAddress) {
  EXPECT_NE(must("192.0.2.1", 5000).key(), must("192.0.2.1", 5001).key());
  EXPECT_FALSE(must("192.0.2.1", 5000) == must("192.0.2.1", 5001));
  EXPECT_NE(must("192.0.2.1", 5000).key(), must("192.0.2.2", 5000).key());
  EXPECT_NE(must("2001:db8::1", 5000).key(), must("2001:db8::1", 5001).key());
  EXPECT_NE(must("2001:db8::1", 5000).key(), must("2001:db8::2", 5000).key());
  // The same IPv4 address as a mapped IPv6 one is another socket address.
  EXPECT_NE(must("192.0.2.1", 5000).key(), must("::ffff:192.0.2.1", 5000).key());
}

TEST(SocketAddressTest, TcpAndUdpEndpointsDiffer) {
  auto tcp = must("192.0.2.1", 443);
  EXPECT_FALSE(tcp.isTcp());
  tcp.setTcp(true);
  EXPECT_TRUE(tcp.isTcp());
  EXPECT_NE(tcp.key(), must("192.0.2.1", 443).key());
  EXPECT_FALSE(tcp == must("192.0.2.1", 443));
  auto tcp6 = must("2001:db8::1", 443);
  tcp6.setTcp(true);
  EXPECT_NE(tcp6.key(), must("2001:db8::1", 443).key());
}

TEST(SocketAddressTest, KeysWorkInAHashMap) {
  std::unordered_map<SocketAddress::Key, int, SocketAddress::KeyHash> m;
  m[must("192.0.2.1", 5000).key()] = 1;
  m[must("192.0.2.1", 5001).key()] = 2;
  m[must("2001:db8::1", 5000).key()] = 3;
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.at(must("192.0.2.1", 5001).key()), 2);
}

// Regression: SocketAddress::key() folds the IPv6 port (and the TCP flag) into the high word by
// XOR (k.hi ^= port << 48), which lands on the fourth hextet, so two different endpoints get
// the same key and compare equal: [2001:db8::1]:5000 == [2001:db8:0:1::1]:5001.
TEST(SocketAddressTest, Ipv6KeyIsInjective) {
  const auto a = must("2001:db8::1", 5000);
  const auto b = must("2001:db8:0:1::1", 5001);
  EXPECT_NE(a.key(), b.key());
  EXPECT_FALSE(a == b);
  // The TCP flag (hi ^= 1 << 63) collides the same way: it flips bit 0x0080 of that hextet.
  auto tcp = must("2001:db8::1", 5000);
  tcp.setTcp(true);
  EXPECT_FALSE(tcp == must("2001:db8:0:80::1", 5000));
}

}  // namespace
}  // namespace parley::media::net
