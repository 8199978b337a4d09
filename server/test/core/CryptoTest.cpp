#include "core/Crypto.h"

#include <gtest/gtest.h>

#include <cctype>

#include <regex>
#include <set>

namespace parley::core {
namespace {

TEST(CryptoTest, HmacSha1MatchesRfc2202) {
  EXPECT_EQ(Crypto::toHex(Crypto::hmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(CryptoTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(Crypto::toHex(Crypto::hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, HmacAcceptsEmptyKeyAndData) {
  EXPECT_EQ(Crypto::toHex(Crypto::hmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(CryptoTest, Sha256) {
  EXPECT_EQ(Crypto::toHex(Crypto::sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, RandomBytesHaveRequestedSize) {
  EXPECT_EQ(Crypto::randomBytes(0).size(), 0u);
  EXPECT_EQ(Crypto::randomBytes(33).size(), 33u);
  EXPECT_NE(Crypto::randomBytes(16), Crypto::randomBytes(16));
}

TEST(CryptoTest, FromHexUndoesToHexAndRefusesTheRest) {
  const std::string bytes("\x00\x7f\x80\xff", 4);
  EXPECT_EQ(Crypto::fromHex(Crypto::toHex(bytes)), bytes);
  EXPECT_EQ(Crypto::fromHex("ABcd"), std::string("\xab\xcd"));
  EXPECT_EQ(Crypto::fromHex(""), std::string());
  EXPECT_FALSE(Crypto::fromHex("abc"));
  EXPECT_FALSE(Crypto::fromHex("zz"));
  EXPECT_FALSE(Crypto::fromHex("0g"));
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(Crypto::constantTimeEquals("", ""));
  EXPECT_TRUE(Crypto::constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(Crypto::constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(Crypto::constantTimeEquals("abc", "ab"));
  EXPECT_FALSE(Crypto::constantTimeEquals("", "a"));
}

TEST(CryptoTest, Uuid4IsLowercaseHyphenatedVersion4) {
  const std::regex pattern("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string id = Crypto::uuid4();
    EXPECT_TRUE(std::regex_match(id, pattern)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

}  // namespace
}  // namespace parley::core

namespace parley::core {
namespace {

TEST(CryptoTest, RandomAlphanumericHasTheLengthAndOnlyLettersAndDigits) {
  EXPECT_EQ(Crypto::randomAlphanumeric(0), "");
  const std::string a = Crypto::randomAlphanumeric(24);
  ASSERT_EQ(a.size(), 24u);
  for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
  EXPECT_NE(a, Crypto::randomAlphanumeric(24));  // 62^24: never twice
}

}  // namespace
}  // namespace parley::core
