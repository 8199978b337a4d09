#include "core/TokenVerifier.h"

#include <gtest/gtest.h>

#include "TokenVectors.h"
#include "core/Base64.h"
#include "core/Crypto.h"
#include "core/Jwt.h"
#include "core/TokenMinter.h"

namespace parley::core {
namespace {

namespace tv = test_vectors;
using Code = Error::Code;

const TokenVerifier::SecretLookup kLookup = [](std::string_view key) -> std::optional<std::string> {
  if (key == tv::kApiKey) return std::string(tv::kSecret);
  if (key == "12345678") return std::string("other-secret");
  return std::nullopt;
};

Result<ClientToken> verify(std::string_view token, std::int64_t now = tv::kCreate) {
  return TokenVerifier::verify(token, kLookup, now);
}

void expectError(const Result<ClientToken>& r, Code code) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code) << r.error().message;
}

std::string b64url(std::string_view s) {
  return Base64::encode(s, Base64::Alphabet::UrlSafe, false);
}

// A T1 token over `data` signed with `secret`, as every SDK builds them.
std::string t1(std::string_view data, std::string_view secret = tv::kSecret,
               std::string_view key = tv::kApiKey) {
  const std::string sig = Crypto::toHex(Crypto::hmacSha1(secret, data));
  return "T1==" +
         Base64::encode("partner_id=" + std::string(key) + "&sig=" + sig + ":" + std::string(data));
}

std::string jwt(const Json& payload, std::string_view secret = tv::kSecret) {
  return Jwt::signHs256(Json::object({{"alg", "HS256"}, {"typ", "JWT"}}), payload, secret);
}

Json basePayload() {
  return Json::object({{"iss", tv::kApiKey},
                       {"ist", "project"},
                       {"iat", tv::kCreate},
                       {"exp", tv::kCreate + 3600},
                       {"session_id", tv::kSession},
                       {"role", "publisher"},
                       {"scope", "session.connect"}});
}

// ---- Node SDK (opentok 2.23.2) ----

TEST(TokenVerifierTest, NodeJwtDefaults) {
  const auto r = verify(tv::kNodeJwtDefault);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->format, ClientToken::Format::Jwt);
  EXPECT_EQ(r->apiKey, tv::kApiKey);
  EXPECT_EQ(r->sessionId, tv::kSession);
  EXPECT_EQ(r->role, Role::Publisher);
  EXPECT_EQ(r->createTime, tv::kCreate);
  EXPECT_EQ(r->expireTime, tv::kCreate + 86400);
  EXPECT_EQ(r->connectionData, "");
  EXPECT_EQ(r->initialLayoutClassList, "");
}

TEST(TokenVerifierTest, NodeJwtModeratorWithData) {
  const auto r = verify(tv::kNodeJwtModerator);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, Role::Moderator);
  EXPECT_EQ(r->expireTime, tv::kCreate + 7 * 86400);
  EXPECT_EQ(r->connectionData, "name=Bob Smith&x=1");
  EXPECT_EQ(r->initialLayoutClassList, "focus full");
}

TEST(TokenVerifierTest, NodeJwtSubscriber) {
  const auto r = verify(tv::kNodeJwtSubscriber);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, Role::Subscriber);
}

TEST(TokenVerifierTest, NodeT1Default) {
  const auto r = verify(tv::kNodeT1Default);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->format, ClientToken::Format::T1);
  EXPECT_EQ(r->apiKey, tv::kApiKey);
  EXPECT_EQ(r->sessionId, tv::kSession);
  EXPECT_EQ(r->role, Role::Publisher);
  EXPECT_EQ(r->createTime, tv::kCreate);
  EXPECT_EQ(r->expireTime, tv::kCreate + 86400);
  EXPECT_EQ(r->connectionData, "");
}

TEST(TokenVerifierTest, NodeT1ModeratorWithPercent20Data) {
  const auto r = verify(tv::kNodeT1Moderator);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, Role::Moderator);
  EXPECT_EQ(r->expireTime, tv::kCreate + 7 * 86400);
  EXPECT_EQ(r->connectionData, "name=Bob Smith&x=1");
  EXPECT_EQ(r->initialLayoutClassList, "focus full");
}

TEST(TokenVerifierTest, NodeT1PublisherOnlyUnicodeData) {
  const auto r = verify(tv::kNodeT1PublisherOnly);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, Role::PublisherOnly);
  EXPECT_EQ(r->connectionData,
            "\xc3\xbc"
            "n"
            "\xc3\xaf"
            "c"
            "\xc3\xb8"
            "d"
            "\xc3\xa9"
            " \xe2\x9c\x93");
}

// ---- Ruby and Python formats ----

TEST(TokenVerifierTest, RubyT1WithoutExpireTime) {
  const auto r = verify(tv::kRubyT1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->format, ClientToken::Format::T1);
  EXPECT_EQ(r->role, Role::Subscriber);
  EXPECT_EQ(r->createTime, tv::kCreate);
  EXPECT_EQ(r->expireTime, tv::kCreate + TokenVerifier::kDefaultLifetime);
  EXPECT_EQ(r->connectionData, "name=Bob Smith");  // '+' decoded
  EXPECT_EQ(r->initialLayoutClassList, "focus full");
}

TEST(TokenVerifierTest, RubyJwtWithoutExp) {
  const auto r = verify(tv::kRubyJwt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, Role::Publisher);
  EXPECT_EQ(r->createTime, tv::kCreate);
  EXPECT_EQ(r->expireTime, tv::kCreate + TokenVerifier::kDefaultLifetime);
  EXPECT_EQ(r->connectionData, "name=Ann");
  // Expires 24 h after iat.
  EXPECT_TRUE(verify(tv::kRubyJwt, tv::kCreate + 86399).ok());
  expectError(verify(tv::kRubyJwt, tv::kCreate + 86400), Code::Expired);
}

TEST(TokenVerifierTest, PythonT1WithIntegerNonce) {
  const auto r = verify(tv::kPythonT1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, Role::Moderator);
  EXPECT_EQ(r->expireTime, tv::kCreate + 86400);
  EXPECT_EQ(r->connectionData, "user id=42");
  EXPECT_EQ(r->initialLayoutClassList, "");
}

TEST(TokenVerifierTest, PythonJwtWithoutCreateTime) {
  const auto r = verify(tv::kPythonJwt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->createTime, tv::kCreate);
  EXPECT_EQ(r->expireTime, tv::kCreate + 3600);
  EXPECT_EQ(r->connectionData, "x");
  EXPECT_EQ(r->initialLayoutClassList, "focus");
}

// ---- Time rules ----

TEST(TokenVerifierTest, ExpiryBoundary) {
  EXPECT_TRUE(verify(tv::kNodeJwtDefault, tv::kCreate + 86399).ok());
  expectError(verify(tv::kNodeJwtDefault, tv::kCreate + 86400), Code::Expired);
  expectError(verify(tv::kNodeT1Default, tv::kCreate + 86400), Code::Expired);
  expectError(verify(tv::kPythonJwt, tv::kCreate + 999999), Code::Expired);
}

TEST(TokenVerifierTest, IssuedInTheFuture) {
  EXPECT_TRUE(verify(tv::kNodeJwtDefault, tv::kCreate - TokenVerifier::kClockSkew).ok());
  const auto r = verify(tv::kNodeJwtDefault, tv::kCreate - TokenVerifier::kClockSkew - 1);
  expectError(r, Code::Expired);
  EXPECT_EQ(r.error().message, "token not yet valid");
  expectError(verify(tv::kNodeT1Default, tv::kCreate - 3600), Code::Expired);
  expectError(verify(tv::kRubyJwt, tv::kCreate - 3600), Code::Expired);
}

TEST(TokenVerifierTest, LifetimeOver30DaysIsInvalid) {
  TokenMinter::Options o;
  o.createTime = tv::kCreate;
  o.expireTime = tv::kCreate + 30 * 86400;
  EXPECT_TRUE(verify(TokenMinter::jwt(tv::kApiKey, tv::kSecret, tv::kSession, o)).ok());
  EXPECT_TRUE(verify(TokenMinter::t1(tv::kApiKey, tv::kSecret, tv::kSession, o)).ok());
  o.expireTime = tv::kCreate + 31 * 86400;
  expectError(verify(TokenMinter::jwt(tv::kApiKey, tv::kSecret, tv::kSession, o)), Code::Invalid);
  expectError(verify(TokenMinter::t1(tv::kApiKey, tv::kSecret, tv::kSession, o)), Code::Invalid);
  // Absurd values do not overflow.
  Json p = basePayload();
  p.set("exp", Json(9223372036854775807LL));
  expectError(verify(jwt(p)), Code::Invalid);
  p.set("exp", Json(-9223372036854775807LL - 1));
  expectError(verify(jwt(p)), Code::Invalid);
  p = basePayload();
  p.set("iat", Json(-5));
  expectError(verify(jwt(p)), Code::Invalid);
  p.set("iat", Json(1e300));
  expectError(verify(jwt(p)), Code::Malformed);
}

// ---- Signature and project ----

TEST(TokenVerifierTest, WrongSecret) {
  const TokenVerifier::SecretLookup wrong = [](std::string_view) {
    return std::optional<std::string>("not-the-secret");
  };
  for (std::string_view token : {tv::kNodeJwtDefault, tv::kNodeT1Default, tv::kRubyT1, tv::kRubyJwt,
                                 tv::kPythonT1, tv::kPythonJwt}) {
    expectError(TokenVerifier::verify(token, wrong, tv::kCreate), Code::BadSignature);
  }
  expectError(verify(tv::kJwtWrongSecret), Code::BadSignature);
}

TEST(TokenVerifierTest, UnknownProject) {
  const TokenVerifier::SecretLookup none = [](std::string_view) {
    return std::optional<std::string>();
  };
  expectError(TokenVerifier::verify(tv::kNodeJwtDefault, none, tv::kCreate), Code::UnknownProject);
  expectError(TokenVerifier::verify(tv::kNodeT1Default, none, tv::kCreate), Code::UnknownProject);
  Json p = basePayload();
  p.set("iss", "999");
  expectError(verify(jwt(p)), Code::UnknownProject);
}

TEST(TokenVerifierTest, TamperedJwtPayload) {
  const std::string token(tv::kNodeJwtSubscriber);
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  Json payload = Jwt::parse(token)->payload();
  payload.set("role", "moderator");
  const std::string forged =
      token.substr(0, dot1 + 1) + b64url(payload.dump()) + token.substr(dot2);
  expectError(verify(forged), Code::BadSignature);
}

TEST(TokenVerifierTest, TamperedT1Data) {
  std::string plain = *Base64::decode(tv::kNodeT1Default.substr(4));
  const std::size_t at = plain.find("role=publisher");
  ASSERT_NE(at, std::string::npos);
  plain.replace(at, 14, "role=moderator");
  expectError(verify("T1==" + Base64::encode(plain)), Code::BadSignature);
  // Swapping partner_id to another known project does not help either.
  plain = *Base64::decode(tv::kNodeT1Default.substr(4));
  plain.replace(plain.find(tv::kApiKey), tv::kApiKey.size(), "12345678");
  expectError(verify("T1==" + Base64::encode(plain)), Code::BadSignature);
}

TEST(TokenVerifierTest, T1SignatureIsCaseInsensitiveHex) {
  std::string plain = *Base64::decode(tv::kNodeT1Default.substr(4));
  const std::size_t sig = plain.find("&sig=") + 5;
  for (std::size_t i = sig; i < sig + 40; ++i)
    if (plain[i] >= 'a' && plain[i] <= 'f') plain[i] = static_cast<char>(plain[i] - 'a' + 'A');
  EXPECT_TRUE(verify("T1==" + Base64::encode(plain)).ok());
  // And the outer base64 may drop its padding.
  std::string unpadded(tv::kNodeT1PublisherOnly);
  while (unpadded.back() == '=') unpadded.pop_back();
  EXPECT_TRUE(verify(unpadded).ok());
}

TEST(TokenVerifierTest, AlgorithmNoneAndOthers) {
  const std::string payload = b64url(basePayload().dump());
  for (const char* header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
                             R"({"alg":"RS256","typ":"JWT"})", R"({"typ":"JWT"})"}) {
    expectError(verify(b64url(header) + "." + payload + "."), Code::Invalid);
    // Even with a valid HS256 MAC over the input.
    const std::string input = b64url(header) + "." + payload;
    expectError(verify(input + "." + b64url(Crypto::hmacSha256(tv::kSecret, input))),
                Code::Invalid);
  }
}

// ---- Claim rules ----

TEST(TokenVerifierTest, SessionOfAnotherProject) {
  expectError(verify(tv::kJwtOtherSession), Code::Invalid);
  Json p = basePayload();
  p.set("session_id", "not a session");
  expectError(verify(jwt(p)), Code::Invalid);
  const std::string data = "session_id=" + std::string(tv::kOtherSession) +
                           "&create_time=" + std::to_string(tv::kCreate) + "&role=publisher";
  expectError(verify(t1(data)), Code::Invalid);
}

TEST(TokenVerifierTest, ConnectionDataLimit) {
  TokenMinter::Options o;
  o.createTime = tv::kCreate;
  // The Node SDK allows 1024 characters (Ruby and Python stop at 1000): accept them all.
  o.connectionData = std::string(1024, 'x');
  EXPECT_TRUE(verify(TokenMinter::jwt(tv::kApiKey, tv::kSecret, tv::kSession, o)).ok());
  // Counted in characters: 1024 two-byte characters are fine.
  std::string umlauts;
  for (int i = 0; i < 1024; ++i) umlauts += "\xc3\xbc";
  o.connectionData = umlauts;
  EXPECT_TRUE(verify(TokenMinter::t1(tv::kApiKey, tv::kSecret, tv::kSession, o)).ok());
  o.connectionData = std::string(1025, 'x');
  expectError(verify(TokenMinter::jwt(tv::kApiKey, tv::kSecret, tv::kSession, o)), Code::Invalid);
  expectError(verify(TokenMinter::t1(tv::kApiKey, tv::kSecret, tv::kSession, o)), Code::Invalid);
  o.connectionData.clear();
  o.initialLayoutClassList = std::string(1025, 'c');
  expectError(verify(TokenMinter::jwt(tv::kApiKey, tv::kSecret, tv::kSession, o)), Code::Invalid);
}

TEST(TokenVerifierTest, T1DataMustBeUtf8) {
  const std::string base = "session_id=" + std::string(tv::kSession) +
                           "&create_time=" + std::to_string(tv::kCreate) + "&role=publisher";
  EXPECT_TRUE(verify(t1(base + "&connection_data=%C3%BC")).ok());
  expectError(verify(t1(base + "&connection_data=%FF")), Code::Invalid);
  expectError(verify(t1(base + "&initial_layout_class_list=%C3")), Code::Invalid);
}

TEST(TokenVerifierTest, RoleRules) {
  Json p = basePayload();
  p.set("role", "admin");
  expectError(verify(jwt(p)), Code::Invalid);
  p.set("role", "Publisher");
  expectError(verify(jwt(p)), Code::Invalid);
  p.set("role", 1);
  expectError(verify(jwt(p)), Code::Malformed);
  p.erase("role");  // absent → publisher
  const auto r = verify(jwt(p));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, Role::Publisher);

  const std::string base =
      "session_id=" + std::string(tv::kSession) + "&create_time=" + std::to_string(tv::kCreate);
  expectError(verify(t1(base + "&role=owner")), Code::Invalid);
  EXPECT_TRUE(verify(t1(base)).ok());
}

TEST(TokenVerifierTest, ScopeAndIssuerType) {
  Json p = basePayload();
  p.set("scope", "archive.read");
  expectError(verify(jwt(p)), Code::Invalid);
  p = basePayload();
  p.set("ist", "account");
  expectError(verify(jwt(p)), Code::Invalid);
  p = basePayload();
  p.erase("scope");
  p.erase("ist");
  EXPECT_TRUE(verify(jwt(p)).ok());
}

TEST(TokenVerifierTest, JwtClaimVariants) {
  Json p = basePayload();
  p.set("iss", Json(47665971));  // numeric iss
  EXPECT_TRUE(verify(jwt(p)).ok());
  p = basePayload();
  p.erase("iss");
  expectError(verify(jwt(p)), Code::Malformed);
  p = basePayload();
  p.erase("session_id");
  expectError(verify(jwt(p)), Code::Malformed);
  p = basePayload();
  p.erase("iat");
  expectError(verify(jwt(p)), Code::Malformed);
  p = basePayload();
  p.set("exp", "tomorrow");
  expectError(verify(jwt(p)), Code::Malformed);
  p = basePayload();
  p.set("connection_data", Json::object());
  expectError(verify(jwt(p)), Code::Malformed);
  // The header may list typ and alg in either order.
  p = basePayload();
  EXPECT_TRUE(
      verify(Jwt::signHs256(Json::object({{"typ", "JWT"}, {"alg", "HS256"}}), p, tv::kSecret))
          .ok());
}

TEST(TokenVerifierTest, T1FieldOrderAndExtras) {
  // Any order, unknown fields ignored.
  const std::string data = "foo=bar&expire_time=" + std::to_string(tv::kCreate + 60) +
                           "&role=subscriber&nonce=abc&create_time=" + std::to_string(tv::kCreate) +
                           "&session_id=" + std::string(tv::kSession);
  const auto r = verify(t1(data));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, Role::Subscriber);
  EXPECT_EQ(r->expireTime, tv::kCreate + 60);
  // A fractional time is truncated.
  EXPECT_TRUE(verify(t1("session_id=" + std::string(tv::kSession) +
                        "&create_time=" + std::to_string(tv::kCreate) + ".7"))
                  .ok());
}

TEST(TokenVerifierTest, T1Malformed) {
  const std::string session = "session_id=" + std::string(tv::kSession);
  const std::string create = "&create_time=" + std::to_string(tv::kCreate);
  expectError(verify(t1(session)), Code::Malformed);           // no create_time
  expectError(verify(t1(create.substr(1))), Code::Malformed);  // no session_id
  expectError(verify(t1(session + "&create_time=soon")), Code::Malformed);
  expectError(verify(t1(session + "&create_time=-1")), Code::Malformed);
  expectError(verify(t1(session + "&create_time=")), Code::Malformed);
  expectError(verify(t1(session + "&create_time=1.")), Code::Malformed);
  expectError(verify(t1(session + create + "&expire_time=x")), Code::Malformed);
  expectError(verify(t1(session + create + "&role=publisher&role=moderator")), Code::Malformed);
  expectError(verify(t1(session + create + "&bad=%zz")), Code::Malformed);
  expectError(verify("T1==" + Base64::encode("partner_id=47665971&sig=00")), Code::Malformed);
  expectError(verify("T1==" + Base64::encode("sig=00:" + session)), Code::Malformed);
  expectError(verify("T1==" + Base64::encode("partner_id=&sig=00:" + session)), Code::Malformed);
  expectError(verify("T1==" + Base64::encode("partner_id=47665971&sig=00:" + session)),
              Code::BadSignature);
  expectError(verify("T1==" + Base64::encode("partner_id=47665971&sig=:" + session)),
              Code::BadSignature);
  expectError(verify("T1==" + Base64::encode("partner_id=1&partner_id=2&sig=0:x")),
              Code::Malformed);
  expectError(verify("T1==%%%"), Code::Malformed);
  expectError(verify("T1=="), Code::Malformed);
}

TEST(TokenVerifierTest, GarbageIsRejected) {
  for (std::string_view garbage :
       {std::string_view(""), std::string_view("x"), std::string_view("T1"),
        std::string_view("..."), std::string_view("a.b.c"), std::string_view("T1=="),
        std::string_view("\0\xff\xfe", 3), std::string_view("eyJhbGciOiJIUzI1NiJ9.e30.")}) {
    const auto r = verify(garbage);
    EXPECT_FALSE(r.ok()) << garbage;
  }
  expectError(verify(std::string(TokenVerifier::kMaxTokenLength + 1, 'a')), Code::Malformed);
  expectError(verify("T1==" + std::string(TokenVerifier::kMaxTokenLength, 'A')), Code::Malformed);
}

}  // namespace
}  // namespace parley::core
