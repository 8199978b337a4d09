#include "core/RestAuth.h"

#include <gtest/gtest.h>

#include "TokenVectors.h"
#include "core/Base64.h"
#include "core/Crypto.h"
#include "core/Jwt.h"

namespace parley::core {
namespace {

namespace tv = test_vectors;
using Code = Error::Code;

const TokenVerifier::SecretLookup kLookup = [](std::string_view key) -> std::optional<std::string> {
  if (key == tv::kApiKey) return std::string(tv::kSecret);
  return std::nullopt;
};

Result<std::string> verify(std::string_view token, std::int64_t now = tv::kCreate) {
  return RestAuth::verify(token, kLookup, now);
}

void expectError(const Result<std::string>& r, Code code) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code) << r.error().message;
}

std::string sign(const Json& payload,
                 const Json& header = Json::object({{"alg", "HS256"}, {"typ", "JWT"}})) {
  return Jwt::signHs256(header, payload, tv::kSecret);
}

Json nodePayload() {
  return Json::object(
      {{"iss", tv::kApiKey}, {"ist", "project"}, {"iat", tv::kCreate}, {"exp", tv::kCreate + 300}});
}

TEST(RestAuthTest, AcceptsEverySdkFormat) {
  // Node: {"alg","typ"} header, ist in the payload, exp = iat + 300.
  // Ruby: {"ist","alg"} header, no typ, payload {iss, iat, exp}.
  // Python: ist first in the payload, exp = iat + 180, jti.
  for (std::string_view token : {tv::kNodeRest, tv::kRubyRest, tv::kPythonRest}) {
    const auto r = verify(token);
    ASSERT_TRUE(r.ok()) << token << ": " << r.error().message;
    EXPECT_EQ(r.value(), tv::kApiKey);
  }
}

TEST(RestAuthTest, ExpiryWithLeeway) {
  EXPECT_TRUE(verify(tv::kNodeRest, tv::kCreate + 300 + RestAuth::kClockSkew - 1).ok());
  expectError(verify(tv::kNodeRest, tv::kCreate + 300 + RestAuth::kClockSkew), Code::Expired);
  expectError(verify(tv::kPythonRest, tv::kCreate + 3600), Code::Expired);
}

TEST(RestAuthTest, IssuedInTheFuture) {
  EXPECT_TRUE(verify(tv::kRubyRest, tv::kCreate - RestAuth::kClockSkew).ok());
  const auto r = verify(tv::kRubyRest, tv::kCreate - RestAuth::kClockSkew - 1);
  expectError(r, Code::Expired);
  EXPECT_EQ(r.error().message, "token not yet valid");
}

TEST(RestAuthTest, WrongSecretAndUnknownProject) {
  const TokenVerifier::SecretLookup wrong = [](std::string_view) {
    return std::optional<std::string>("nope");
  };
  expectError(RestAuth::verify(tv::kNodeRest, wrong, tv::kCreate), Code::BadSignature);
  expectError(RestAuth::verify(tv::kRubyRest, wrong, tv::kCreate), Code::BadSignature);
  Json p = nodePayload();
  p.set("iss", "11111111");
  const auto r = verify(sign(p));
  expectError(r, Code::UnknownProject);
  EXPECT_EQ(r.error().message, "Issuer not found");
}

TEST(RestAuthTest, TamperedPayload) {
  const std::string token(tv::kPythonRest);
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  Json payload = Jwt::parse(token)->payload();
  payload.set("exp", tv::kCreate + 100000);
  const std::string forged = token.substr(0, dot1 + 1) +
                             Base64::encode(payload.dump(), Base64::Alphabet::UrlSafe, false) +
                             token.substr(dot2);
  expectError(verify(forged), Code::BadSignature);
}

TEST(RestAuthTest, AlgNoneIsRefused) {
  const auto b64 = [](std::string_view s) {
    return Base64::encode(s, Base64::Alphabet::UrlSafe, false);
  };
  const std::string body = b64(nodePayload().dump());
  expectError(verify(b64(R"({"alg":"none","typ":"JWT"})") + "." + body + "."), Code::Invalid);
  const std::string input = b64(R"({"alg":"HS384"})") + "." + body;
  expectError(verify(input + "." + b64(Crypto::hmacSha256(tv::kSecret, input))), Code::Invalid);
}

TEST(RestAuthTest, ClaimRules) {
  Json p = nodePayload();
  p.erase("ist");  // absent is fine
  EXPECT_TRUE(verify(sign(p)).ok());
  p.set("ist", "account");
  expectError(verify(sign(p)), Code::Invalid);
  p = nodePayload();
  expectError(verify(sign(p, Json::object({{"ist", "app"}, {"alg", "HS256"}}))), Code::Invalid);
  p = nodePayload();
  p.erase("exp");
  expectError(verify(sign(p)), Code::Invalid);
  p = nodePayload();
  p.erase("iat");
  expectError(verify(sign(p)), Code::Invalid);
  p = nodePayload();
  p.set("exp", tv::kCreate + RestAuth::kMaxLifetime + RestAuth::kClockSkew);
  EXPECT_TRUE(verify(sign(p)).ok());
  p.set("exp", tv::kCreate + RestAuth::kMaxLifetime + RestAuth::kClockSkew + 1);
  expectError(verify(sign(p)), Code::Invalid);
  p.set("exp", Json(9223372036854775807LL));
  expectError(verify(sign(p)), Code::Invalid);
  p = nodePayload();
  p.set("iat", Json(-9223372036854775807LL - 1));
  expectError(verify(sign(p)), Code::Invalid);
  p = nodePayload();
  p.set("iss", Json(47665971));  // a numeric key
  EXPECT_EQ(verify(sign(p)).value(), tv::kApiKey);
  p.erase("iss");
  expectError(verify(sign(p)), Code::Malformed);
}

TEST(RestAuthTest, GarbageIsMalformed) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("Bearer x"), std::string_view("a.b.c"),
        std::string_view("T1==abc"), std::string_view("...."), std::string_view("\0", 1)}) {
    expectError(verify(bad), Code::Malformed);
  }
  expectError(verify(std::string(Jwt::kMaxLength + 1, 'e')), Code::Malformed);
  // A client token is not a REST credential.
  expectError(verify(tv::kRubyJwt), Code::Invalid);
}

}  // namespace
}  // namespace parley::core

namespace parley::core {
namespace {

// Client tokens are signed with the project secret too, and every participant holds one:
// they must not open the REST API, even with a REST-like lifetime.
TEST(RestAuthTest, ClientTokensAreNotRestCredentials) {
  Json p = nodePayload();
  p.set("scope", "session.connect");
  p.set("session_id", "1_MX4xMjM0NTY3OH5-fg");
  p.set("role", "moderator");
  expectError(verify(sign(p)), Code::Invalid);
  for (const char* claim : {"scope", "session_id", "role"}) {
    Json one = nodePayload();
    one.set(claim, "x");
    expectError(verify(sign(one)), Code::Invalid);
  }
  EXPECT_TRUE(verify(sign(nodePayload())).ok());
}

}  // namespace
}  // namespace parley::core
