#include "core/TurnCredentials.h"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

// Expected values computed independently of Parley, with OpenSSL's command line:
//   printf '%s' '1700000000:alice' | openssl dgst -sha1 -hmac 'north-wind-secret' -binary | base64
TEST(TurnCredentialsTest, MatchesAnIndependentlyComputedHmac) {
  auto c = TurnCredentials::issue("north-wind-secret", "alice", 1700000000);
  EXPECT_EQ(c.username, "1700000000:alice");
  EXPECT_EQ(c.credential, "r/l6ttQtMIfbS2lfULS0mDRRNUg=");
}

TEST(TurnCredentialsTest, TheExpiryIsSigned) {
  // printf '%s' '1700000001:alice' | openssl dgst -sha1 -hmac 'north-wind-secret' -binary | base64
  auto c = TurnCredentials::issue("north-wind-secret", "alice", 1700000001);
  EXPECT_EQ(c.username, "1700000001:alice");
  EXPECT_EQ(c.credential, "LNfXaFKhyMxmXfS9nADCPGI1sFk=");
}

TEST(TurnCredentialsTest, AnotherSecretGivesAnotherCredential) {
  auto a = TurnCredentials::issue("north-wind-secret", "alice", 1700000000);
  auto b = TurnCredentials::issue("north-wind-secreT", "alice", 1700000000);
  EXPECT_EQ(a.username, b.username);
  EXPECT_NE(a.credential, b.credential);
}

}  // namespace
}  // namespace parley::core
