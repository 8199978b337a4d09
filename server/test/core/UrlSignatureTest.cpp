#include "core/UrlSignature.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::core {
namespace {

using Check = UrlSignature::Check;

constexpr const char* kKey = "server-key";
constexpr const char* kResource =
    "archive-download\n12345678\n3f9c2b1e-0000-4000-8000-000000000001";
constexpr std::int64_t kExpires = 1700000600;

TEST(UrlSignatureTest, SignsTheResourceAndExpiryWithHmacSha256) {
  // printf 'archive-download\n12345678\n3f9c…0001\n1700000600' |
  //   openssl dgst -sha256 -hmac server-key
  EXPECT_EQ(UrlSignature::sign(kKey, kResource, kExpires),
            "ed3b4f04139339d6374c70fb9d205d05e0a2785f1280ae6e9a732a7990d435c2");
}

TEST(UrlSignatureTest, ValidUntilTheExpiryThenExpired) {
  const std::string sig = UrlSignature::sign(kKey, kResource, kExpires);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", sig, kExpires - 600), Check::Valid);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", sig, kExpires), Check::Valid);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", sig, kExpires + 1), Check::Expired);
}

TEST(UrlSignatureTest, AnythingChangedIsInvalid) {
  const std::string sig = UrlSignature::sign(kKey, kResource, kExpires);
  const std::int64_t now = kExpires - 10;
  EXPECT_EQ(UrlSignature::verify("other-key", kResource, "1700000600", sig, now), Check::Invalid);
  EXPECT_EQ(UrlSignature::verify(kKey, "archive-download\n12345678\nother", "1700000600", sig, now),
            Check::Invalid);
  // A later expiry needs a new signature.
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000601", sig, now), Check::Invalid);
  std::string flipped = sig;
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", flipped, now), Check::Invalid);
}

TEST(UrlSignatureTest, AnExpiredLinkWithABadSignatureIsInvalidNotExpired) {
  const std::string sig = UrlSignature::sign("other-key", kResource, kExpires);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", sig, kExpires + 100),
            Check::Invalid);
}

TEST(UrlSignatureTest, MalformedValuesAreInvalid) {
  const std::string sig = UrlSignature::sign(kKey, kResource, kExpires);
  const std::int64_t now = kExpires - 10;
  for (const char* expires : {"", "01700000600", "+1700000600", "-1", "1700000600 ", "17000006OO",
                              "1e9", "9999999999999999999999"}) {
    EXPECT_EQ(UrlSignature::verify(kKey, kResource, expires, sig, now), Check::Invalid) << expires;
  }
  std::string upper = sig;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", upper, now), Check::Invalid);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", sig.substr(0, 63), now),
            Check::Invalid);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", sig + "0", now), Check::Invalid);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", "", now), Check::Invalid);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "1700000600", std::string(64, 'g'), now),
            Check::Invalid);
}

TEST(UrlSignatureTest, ZeroExpiryIsCanonical) {
  const std::string sig = UrlSignature::sign(kKey, kResource, 0);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "0", sig, 0), Check::Valid);
  EXPECT_EQ(UrlSignature::verify(kKey, kResource, "00", sig, 0), Check::Invalid);
}

}  // namespace
}  // namespace parley::core
