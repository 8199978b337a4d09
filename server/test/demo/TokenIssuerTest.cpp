#include "demo/TokenIssuer.h"

#include <gtest/gtest.h>

#include "core/Json.h"
#include "core/TokenVerifier.h"
#include "store/SqliteStore.h"

namespace parley::demo {
namespace {

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";
constexpr std::int64_t kNow = 1'800'000'000;

class TokenIssuerTest : public ::testing::Test {
 protected:
  TokenIssuerTest()
      : store_(":memory:"),
        catalog_(store_),
        rooms_(store_, catalog_),
        issuer_(store_, rooms_, kKey) {
    store_.insertProject({kKey, kSecret, "default", 1});
  }

  core::Result<core::ClientToken> verify(const TokenIssuer::Issued& issued) {
    return core::TokenVerifier::verify(
        issued.token,
        [](std::string_view key) -> std::optional<std::string> {
          if (key == kKey) return std::string(kSecret);
          return std::nullopt;
        },
        kNow + 60);
  }

  static TokenRequest request(std::string room, std::string name,
                              core::Role role = core::Role::Publisher) {
    TokenRequest r;
    r.room = std::move(room);
    r.displayName = std::move(name);
    r.role = role;
    return r;
  }

  store::SqliteStore store_;
  session::SessionCatalog catalog_;
  RoomDirectory rooms_;
  TokenIssuer issuer_;
};

TEST_F(TokenIssuerTest, ConnectionDataIsAFormEncodedName) {
  EXPECT_EQ(TokenIssuer::connectionData("Bob"), "name=Bob");
  EXPECT_EQ(TokenIssuer::connectionData("Ana & Bo=1"), "name=Ana%20%26%20Bo%3D1");
  EXPECT_EQ(TokenIssuer::connectionData("\xC3\xA9"), "name=%C3%A9");
}

TEST_F(TokenIssuerTest, IssuesATokenTheServerAcceptsForTheRoomsSession) {
  auto issued = issuer_.issue(request("standup", "Ana María", core::Role::Moderator), kNow);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->apiKey, kKey);
  EXPECT_TRUE(issued->roomCreated);
  EXPECT_EQ(issued->mediaMode, core::MediaMode::Routed);
  auto token = verify(issued.value());
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->role, core::Role::Moderator);
  EXPECT_EQ(token->connectionData, "name=Ana%20Mar%C3%ADa");
  EXPECT_EQ(token->expireTime, kNow + TokenIssuer::kTokenLifetimeSeconds);
  EXPECT_EQ(token->sessionId, issued->sessionId);
}

TEST_F(TokenIssuerTest, EveryoneInARoomGetsTheSameSession) {
  auto a = issuer_.issue(request("r1", "A"), kNow);
  auto b = issuer_.issue(request("r1", "B", core::Role::Subscriber), kNow);
  auto c = issuer_.issue(request("r2", "C"), kNow);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->sessionId, b->sessionId);
  EXPECT_FALSE(b->roomCreated);
  EXPECT_NE(a->sessionId, c->sessionId);
  EXPECT_NE(a->token, b->token);
  EXPECT_EQ(verify(b.value())->role, core::Role::Subscriber);
}

TEST_F(TokenIssuerTest, UsesTheCurrentSecret) {
  ASSERT_TRUE(store_.updateProjectSecret(kKey, "rotated-secret-rotated-secret"));
  auto issued = issuer_.issue(request("r", "n"), kNow);
  ASSERT_TRUE(issued.ok());
  EXPECT_FALSE(verify(issued.value()).ok());  // signed with the new secret, not kSecret
}

TEST_F(TokenIssuerTest, AMissingProjectIsAnErrorAndCreatesNothing) {
  TokenIssuer orphan(store_, rooms_, "99999999");
  auto issued = orphan.issue(request("r", "n"), kNow);
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.error().code, core::Error::Code::UnknownProject);
  EXPECT_FALSE(store_.findDemoRoom("99999999", "r"));
}

}  // namespace
}  // namespace parley::demo
