#include "webhook/AddressPolicy.h"

#include <gtest/gtest.h>

namespace parley::webhook {
namespace {

using boost::asio::ip::make_address;

TEST(AddressPolicyTest, PublicUnicastAddressesPass) {
  const AddressPolicy policy;
  for (const char* ip : {"93.184.215.14", "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0",
                         "172.15.255.255", "172.32.0.0", "192.167.255.255", "169.253.0.1",
                         "2606:4700::1111", "2a00:1450:4001:80b::200e", "2001:4860:4860::8888",
                         "::ffff:93.184.215.14", "64:ff9b::808:808", "2002:808:808::1"})
    EXPECT_EQ(policy.refusal(make_address(ip)), std::nullopt) << ip;
}

TEST(AddressPolicyTest, NonPublicAddressesAreRefusedByDefault) {
  const AddressPolicy policy;
  const std::pair<const char*, const char*> cases[] = {
      {"127.0.0.1", "loopback"},
      {"127.255.0.9", "loopback"},
      {"0.0.0.0", "unspecified"},
      {"0.1.2.3", "unspecified"},
      {"10.20.30.40", "private"},
      {"172.16.0.1", "private"},
      {"172.31.255.254", "private"},
      {"192.168.0.1", "private"},
      {"100.64.0.1", "CGNAT"},
      {"100.127.255.254", "CGNAT"},
      {"169.254.169.254", "link-local"},
      {"192.0.0.8", "IETF"},
      {"192.0.2.1", "documentation"},
      {"198.18.0.1", "benchmarking"},
      {"224.0.0.251", "multicast"},
      {"239.255.255.250", "multicast"},
      {"240.0.0.1", "reserved"},
      {"255.255.255.255", "reserved"},
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"::ffff:127.0.0.1", "loopback"},
      {"::ffff:169.254.169.254", "link-local"},
      {"::ffff:0:10.0.0.1", "private"},  // IPv4-translated
      {"64:ff9b::7f00:1", "loopback"},   // NAT64 to 127.0.0.1
      {"64:ff9b:1::1", "NAT64"},
      {"::127.0.0.1", "IPv4-compatible"},
      {"2002:a9fe:a9fe::1", "link-local"},  // 6to4 around 169.254.169.254
      {"fc00::1", "unique local"},
      {"fd12:3456:789a::1", "unique local"},
      {"fe80::1", "link-local"},
      {"febf::1", "link-local"},
      {"fec0::1", "site-local"},
      {"ff02::1", "multicast"},
      {"2001:db8::1", "documentation"},
      {"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"},
      {"100::1", "discard"},
  };
  for (const auto& [ip, kind] : cases) {
    const auto why = policy.refusal(make_address(ip));
    ASSERT_TRUE(why.has_value()) << ip;
    EXPECT_NE(why->find(kind), std::string::npos) << ip << ": " << *why;
  }
}

TEST(AddressPolicyTest, AllowingPrivateStillRefusesUnspecifiedAndMulticast) {
  const AddressPolicy policy(true);
  for (const char* ip : {"127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fd00::1", "fe80::1",
                         "100.64.0.1", "93.184.215.14"})
    EXPECT_EQ(policy.refusal(make_address(ip)), std::nullopt) << ip;
  for (const char* ip : {"0.0.0.0", "::", "224.0.0.1", "ff02::1"})
    EXPECT_TRUE(policy.refusal(make_address(ip)).has_value()) << ip;
}

}  // namespace
}  // namespace parley::webhook
