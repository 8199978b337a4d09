#include "webhook/TargetCheck.h"

#include <gtest/gtest.h>

#include <vector>

#include "webhook/HostResolver.h"

namespace parley::webhook {
namespace {

using boost::asio::ip::make_address;

core::HttpUrl url(const char* text) {
  return *core::HttpUrl::parse(text);
}

TEST(TargetCheckTest, NamesAreJudgedByEveryAddressTheyResolveTo) {
  std::vector<std::string> asked;
  TargetCheck check(AddressPolicy(), [&](const std::string& host, std::uint16_t port) {
    asked.push_back(host + ":" + std::to_string(port));
    if (host == "public.example") return HostResolver::Result{{make_address("93.184.215.14")}, {}};
    return HostResolver::Result{{make_address("93.184.215.14"), make_address("192.168.1.1")}, {}};
  });
  EXPECT_EQ(check.refusal(url("https://public.example/hook")), std::nullopt);
  const auto mixed = check.refusal(url("http://mixed.example:8080/"));
  ASSERT_TRUE(mixed);
  EXPECT_NE(mixed->find("192.168.1.1"), std::string::npos) << *mixed;
  EXPECT_EQ(asked, (std::vector<std::string>{"public.example:443", "mixed.example:8080"}));
}

TEST(TargetCheckTest, LiteralsNeedNoLookup) {
  int lookups = 0;
  TargetCheck check(AddressPolicy(), [&](const std::string&, std::uint16_t) {
    ++lookups;
    return HostResolver::Result{};
  });
  EXPECT_TRUE(check.refusal(url("http://127.0.0.1/")));
  EXPECT_TRUE(check.refusal(url("http://[::ffff:7f00:1]/")));
  EXPECT_EQ(check.refusal(url("http://93.184.215.14/")), std::nullopt);
  EXPECT_EQ(lookups, 0);
}

TEST(TargetCheckTest, AnyOutboundTargetNamesWhatAndTheSwitch) {
  TargetCheck check(AddressPolicy(), [](const std::string&, std::uint16_t) {
    return HostResolver::Result{{make_address("10.1.2.3")}, {}};
  });
  const auto refused =
      check.refusal("ingest.internal", 1935, "RTMP streams", "--allow-private-rtmp");
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("RTMP streams"), std::string::npos) << *refused;
  EXPECT_NE(refused->find("--allow-private-rtmp"), std::string::npos) << *refused;
  EXPECT_EQ(TargetCheck(AddressPolicy(true)).refusal("127.0.0.1", 1935, "RTMP streams", "x"),
            std::nullopt);
}

TEST(TargetCheckTest, AnUnresolvableHostIsRefusedWithTheReason) {
  TargetCheck check(AddressPolicy(), [](const std::string&, std::uint16_t) {
    return HostResolver::Result{{}, "cannot resolve nowhere.example: Name or service not known"};
  });
  const auto why = check.refusal(url("http://nowhere.example/"));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("Name or service not known"), std::string::npos);
}

TEST(TargetCheckTest, AllowingPrivateSkipsLookupsOfNames) {
  int lookups = 0;
  TargetCheck check(AddressPolicy(true), [&](const std::string&, std::uint16_t) {
    ++lookups;
    return HostResolver::Result{{make_address("10.0.0.1")}, {}};
  });
  EXPECT_EQ(check.refusal(url("http://internal.example/")), std::nullopt);
  EXPECT_EQ(check.refusal(url("http://127.0.0.1:9/")), std::nullopt);
  EXPECT_TRUE(check.refusal(url("http://0.0.0.0/")));
  EXPECT_EQ(lookups, 0);
}

TEST(HostResolverTest, LiteralsAndLocalhost) {
  HostResolver resolver;
  auto literal = resolver.resolve("192.0.2.7", 80);
  ASSERT_EQ(literal.addresses.size(), 1u);
  EXPECT_EQ(literal.addresses[0], make_address("192.0.2.7"));
  // From /etc/hosts, without DNS.
  auto local = resolver.resolve("localhost", 80);
  ASSERT_FALSE(local.addresses.empty()) << local.error;
  for (const auto& a : local.addresses) EXPECT_TRUE(a.is_loopback()) << a.to_string();
}

TEST(HostResolverTest, FailuresAndSlowLookupsEndWithAnError) {
  // .invalid never resolves (RFC 6761); without network the lookup fails or times out.
  HostResolver resolver(std::chrono::milliseconds(2000), 1);
  auto result = resolver.resolve("no-such-host.invalid", 80);
  EXPECT_TRUE(result.addresses.empty());
  EXPECT_FALSE(result.error.empty());
}

}  // namespace
}  // namespace parley::webhook
