#include "core/TokenMinter.h"

#include <gtest/gtest.h>

#include "TokenVectors.h"
#include "core/Base64.h"
#include "core/FormData.h"
#include "core/Jwt.h"
#include "core/TokenVerifier.h"

namespace parley::core {
namespace {

namespace tv = test_vectors;

const TokenVerifier::SecretLookup kLookup = [](std::string_view key) -> std::optional<std::string> {
  if (key == tv::kApiKey) return std::string(tv::kSecret);
  return std::nullopt;
};

TokenMinter::Options options() {
  TokenMinter::Options o;
  o.role = Role::Moderator;
  o.createTime = tv::kCreate;
  o.connectionData = "name=Bob Smith&x=1";
  o.initialLayoutClassList = "focus full";
  return o;
}

TEST(TokenMinterTest, JwtHasNodeClaimOrder) {
  const std::string token = TokenMinter::jwt(tv::kApiKey, tv::kSecret, tv::kSession, options());
  const auto jwt = Jwt::parse(token);
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->header().dump(), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(jwt->payload().keys(),
            (std::vector<std::string>{"iss", "ist", "iat", "exp", "session_id", "create_time",
                                      "nonce", "role", "expire_time", "connection_data",
                                      "initial_layout_class_list", "scope"}));
  EXPECT_EQ(jwt->payload().getInt("exp"), tv::kCreate + 86400);
  EXPECT_EQ(jwt->payload().getInt("expire_time"), tv::kCreate + 86400);
  const auto nonce = jwt->payload().getNumber("nonce");
  ASSERT_TRUE(nonce);
  EXPECT_GE(*nonce, 0.0);
  EXPECT_LT(*nonce, 1.0);
  // Same shape as the official SDK's token.
  const auto node = Jwt::parse(tv::kNodeJwtModerator);
  EXPECT_EQ(node->payload().keys(), jwt->payload().keys());

  const auto r = TokenVerifier::verify(token, kLookup, tv::kCreate);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->role, Role::Moderator);
  EXPECT_EQ(r->connectionData, "name=Bob Smith&x=1");
}

TEST(TokenMinterTest, T1HasNodeFieldOrderAndEncoding) {
  TokenMinter::Options o = options();
  o.expireTime = tv::kCreate + 7 * 86400;
  const std::string token = TokenMinter::t1(tv::kApiKey, tv::kSecret, tv::kSession, o);
  ASSERT_EQ(token.substr(0, 4), "T1==");
  const std::string plain = *Base64::decode(std::string_view(token).substr(4));
  EXPECT_EQ(plain.substr(0, 24), "partner_id=47665971&sig=");
  const std::string data = plain.substr(plain.find(':') + 1);
  EXPECT_NE(data.find("&connection_data=name%3DBob%20Smith%26x%3D1&"), std::string::npos) << data;
  EXPECT_NE(data.find("&initial_layout_class_list=focus%20full&"), std::string::npos) << data;
  const auto form = FormData::parse(data);
  ASSERT_TRUE(form);
  std::vector<std::string> names;
  for (const auto& f : form->fields()) names.push_back(f.first);
  EXPECT_EQ(names,
            (std::vector<std::string>{"session_id", "create_time", "nonce", "role", "expire_time",
                                      "connection_data", "initial_layout_class_list", "scope"}));
  // The SDK's T1 token lists the same fields in the same order.
  const std::string nodePlain = *Base64::decode(tv::kNodeT1Moderator.substr(4));
  const auto nodeForm = FormData::parse(nodePlain.substr(nodePlain.find(':') + 1));
  std::vector<std::string> nodeNames;
  for (const auto& f : nodeForm->fields()) nodeNames.push_back(f.first);
  EXPECT_EQ(names, nodeNames);

  const auto r = TokenVerifier::verify(token, kLookup, tv::kCreate);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->format, ClientToken::Format::T1);
  EXPECT_EQ(r->expireTime, tv::kCreate + 7 * 86400);
  EXPECT_EQ(r->initialLayoutClassList, "focus full");
}

TEST(TokenMinterTest, OmitsEmptyConnectionData) {
  TokenMinter::Options o;
  o.createTime = tv::kCreate;
  const auto jwt = Jwt::parse(TokenMinter::jwt(tv::kApiKey, tv::kSecret, tv::kSession, o));
  ASSERT_TRUE(jwt);
  EXPECT_FALSE(jwt->payload().contains("connection_data"));
  EXPECT_EQ(jwt->payload().getString("initial_layout_class_list"), "");
  EXPECT_EQ(jwt->payload().getString("role"), "publisher");
}

TEST(TokenMinterTest, TokensDifferByNonce) {
  const auto o = options();
  EXPECT_NE(TokenMinter::jwt(tv::kApiKey, tv::kSecret, tv::kSession, o),
            TokenMinter::jwt(tv::kApiKey, tv::kSecret, tv::kSession, o));
  EXPECT_NE(TokenMinter::t1(tv::kApiKey, tv::kSecret, tv::kSession, o),
            TokenMinter::t1(tv::kApiKey, tv::kSecret, tv::kSession, o));
}

}  // namespace
}  // namespace parley::core
