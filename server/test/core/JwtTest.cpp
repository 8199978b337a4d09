#include "core/Jwt.h"

#include <gtest/gtest.h>

#include "TokenVectors.h"
#include "core/Base64.h"

namespace parley::core {
namespace {

namespace tv = test_vectors;

std::string b64(std::string_view s) {
  return Base64::encode(s, Base64::Alphabet::UrlSafe, false);
}

TEST(JwtTest, ParsesNodeSdkToken) {
  const auto jwt = Jwt::parse(tv::kNodeJwtModerator);
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->header().dump(), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(jwt->payload().getString("iss"), tv::kApiKey);
  EXPECT_EQ(jwt->payload().getString("role"), "moderator");
  EXPECT_EQ(jwt->payload().getInt("iat"), tv::kCreate);
  EXPECT_TRUE(jwt->verifyHs256(tv::kSecret));
  EXPECT_FALSE(jwt->verifyHs256("wrong"));
  EXPECT_FALSE(jwt->verifyHs256(""));
}

// Re-signing the decoded header and payload must reproduce each SDK's token byte for
// byte: checks our serializer and HMAC against node's JSON.stringify and crypto.
TEST(JwtTest, SignReproducesSdkTokens) {
  for (std::string_view token :
       {tv::kNodeJwtDefault, tv::kNodeJwtModerator, tv::kNodeJwtSubscriber, tv::kRubyJwt,
        tv::kPythonJwt, tv::kNodeRest, tv::kRubyRest, tv::kPythonRest}) {
    const auto jwt = Jwt::parse(token);
    ASSERT_TRUE(jwt) << token;
    EXPECT_EQ(Jwt::signHs256(jwt->header(), jwt->payload(), tv::kSecret), token);
  }
}

TEST(JwtTest, SignThenVerify) {
  const Json header = Json::object({{"alg", "HS256"}, {"typ", "JWT"}});
  const Json payload = Json::object({{"iss", "k"}, {"n", 1}});
  const std::string token = Jwt::signHs256(header, payload, "s3cret");
  const auto jwt = Jwt::parse(token);
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->payload(), payload);
  EXPECT_TRUE(jwt->verifyHs256("s3cret"));
  EXPECT_FALSE(jwt->verifyHs256("s3cret "));
}

TEST(JwtTest, RejectsOtherAlgorithms) {
  const Json payload = Json::object({{"iss", "k"}});
  for (const char* alg : {"none", "None", "HS512", "RS256", "hs256", ""}) {
    const std::string token = Jwt::signHs256(Json::object({{"alg", alg}}), payload, "s");
    const auto jwt = Jwt::parse(token);
    ASSERT_TRUE(jwt);
    EXPECT_FALSE(jwt->verifyHs256("s")) << alg;
  }
  // alg none with an empty signature, the classic forgery.
  const std::string none = b64(R"({"alg":"none","typ":"JWT"})") + "." + b64(R"({"iss":"k"})") + ".";
  const auto jwt = Jwt::parse(none);
  ASSERT_TRUE(jwt);
  EXPECT_FALSE(jwt->verifyHs256("s"));
  EXPECT_FALSE(jwt->verifyHs256(""));
  // No alg at all.
  const auto noAlg = Jwt::parse(Jwt::signHs256(Json::object({{"typ", "JWT"}}), payload, "s"));
  ASSERT_TRUE(noAlg);
  EXPECT_FALSE(noAlg->verifyHs256("s"));
}

TEST(JwtTest, TamperingBreaksSignature) {
  std::string token(tv::kNodeJwtSubscriber);
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  auto payload = Jwt::parse(token)->payload();
  payload.set("role", "moderator");
  const std::string forged = token.substr(0, dot1 + 1) + b64(payload.dump()) + token.substr(dot2);
  const auto jwt = Jwt::parse(forged);
  ASSERT_TRUE(jwt);
  EXPECT_FALSE(jwt->verifyHs256(tv::kSecret));

  std::string badSig = token;
  badSig[badSig.size() - 2] = badSig[badSig.size() - 2] == 'A' ? 'B' : 'A';
  const auto jwt2 = Jwt::parse(badSig);
  EXPECT_TRUE(!jwt2 || !jwt2->verifyHs256(tv::kSecret));
  // Truncated signature.
  const auto jwt3 = Jwt::parse(token.substr(0, token.size() - 4));
  EXPECT_TRUE(!jwt3 || !jwt3->verifyHs256(tv::kSecret));
}

TEST(JwtTest, RejectsMalformed) {
  const std::string h = b64(R"({"alg":"HS256"})");
  const std::string p = b64(R"({"iss":"k"})");
  std::string error;
  EXPECT_FALSE(Jwt::parse("", &error));
  EXPECT_FALSE(error.empty());
  for (const std::string& bad :
       {std::string("abc"), h + "." + p, h + "." + p + ".sig.x", "." + p + ".", h + "..",
        h + "." + b64("[1,2]") + ".", b64("\"str\"") + "." + p + ".", h + "." + b64("{") + ".",
        h + "." + p + ".!!", h + "!." + p + ".", h + ".=" + p + ".",
        b64("{\"alg\":\"HS256\"} x") + "." + p + "."}) {
    EXPECT_FALSE(Jwt::parse(bad)) << bad;
  }
  // Depth-limited JSON inside the segments.
  EXPECT_FALSE(Jwt::parse(h + "." + b64(std::string(40, '[') + std::string(40, ']')) + "."));
  // Overlong input is refused before any decoding.
  const std::string big = h + "." + b64("{\"x\":\"" + std::string(40000, 'a') + "\"}") + ".";
  EXPECT_FALSE(Jwt::parse(big, &error));
  EXPECT_EQ(error, "token too long");
}

TEST(JwtTest, AcceptsPaddedSegments) {
  // Some encoders keep '=' padding; the decoded bytes are the same.
  const std::string token = b64(R"({"alg":"HS256"})") + "." +
                            Base64::encode(R"({"a":1})", Base64::Alphabet::UrlSafe, true) + ".";
  EXPECT_TRUE(Jwt::parse(token));
}

}  // namespace
}  // namespace parley::core
