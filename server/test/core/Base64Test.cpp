#include "core/Base64.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::core {
namespace {

using A = Base64::Alphabet;

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64::encode(""), "");
  EXPECT_EQ(Base64::encode("f"), "Zg==");
  EXPECT_EQ(Base64::encode("fo"), "Zm8=");
  EXPECT_EQ(Base64::encode("foo"), "Zm9v");
  EXPECT_EQ(Base64::encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64::encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64::encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64::encode("fo", A::Standard, false), "Zm8");
}

TEST(Base64Test, AlphabetsDifferIn62And63) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64::encode(bytes), "+/+/");
  EXPECT_EQ(Base64::encode(bytes, A::UrlSafe), "-_-_");
}

TEST(Base64Test, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(Base64::decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64::decode("Zm9vYg"), "foob");
  EXPECT_EQ(Base64::decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(Base64::decode("Zm9vYmE"), "fooba");
  EXPECT_EQ(Base64::decode(""), "");
}

TEST(Base64Test, RejectsOtherAlphabetUnlessLenient) {
  EXPECT_FALSE(Base64::decode("-_-_", A::Standard));
  EXPECT_FALSE(Base64::decode("+/+/", A::UrlSafe));
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64::decode("-_+/", A::Standard, true), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(Base64::decode("+/-_", A::UrlSafe, true), std::string("\xfb\xff\xbf", 3));
}

TEST(Base64Test, RejectsMalformedInput) {
  EXPECT_FALSE(Base64::decode("Z"));         // one char cannot carry a byte
  EXPECT_FALSE(Base64::decode("Zm9vY"));     // same after a full quantum
  EXPECT_FALSE(Base64::decode("Zm9=vYg="));  // padding in the middle
  EXPECT_FALSE(Base64::decode("Zm8=="));     // padding not completing a quantum
  EXPECT_FALSE(Base64::decode("Zg==="));
  EXPECT_FALSE(Base64::decode("===="));
  EXPECT_FALSE(Base64::decode("Zm 9v"));
  EXPECT_FALSE(Base64::decode("Zm9v\n"));
  EXPECT_FALSE(Base64::decode(std::string("Zm\0v", 4)));
  EXPECT_FALSE(Base64::decode("Zh=="));  // non-zero unused bits: not canonical
  EXPECT_FALSE(Base64::decode("Zm9="));
}

TEST(Base64Test, RoundTripsAllByteValues) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t len = 0; len <= bytes.size(); len += 37) {
    const std::string part = bytes.substr(0, len);
    for (A a : {A::Standard, A::UrlSafe}) {
      for (bool pad : {true, false}) {
        EXPECT_EQ(Base64::decode(Base64::encode(part, a, pad), a), part);
      }
    }
  }
}

}  // namespace
}  // namespace parley::core
