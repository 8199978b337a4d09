#include "core/Role.h"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(RoleTest, ParsesExactNames) {
  for (Role r : {Role::Subscriber, Role::Publisher, Role::PublisherOnly, Role::Moderator}) {
    EXPECT_EQ(parseRole(roleName(r)), r);
  }
  EXPECT_FALSE(parseRole(""));
  EXPECT_FALSE(parseRole("Publisher"));
  EXPECT_FALSE(parseRole("publisher "));
  EXPECT_FALSE(parseRole("admin"));
}

TEST(RoleTest, PermissionsFollowSpec) {
  using V = std::vector<std::string>;
  EXPECT_EQ(permissionsFor(Role::Subscriber), (V{"subscribe", "signal"}));
  EXPECT_EQ(permissionsFor(Role::Publisher), (V{"publish", "subscribe", "signal"}));
  EXPECT_EQ(permissionsFor(Role::PublisherOnly), (V{"publish", "signal"}));
  EXPECT_EQ(permissionsFor(Role::Moderator), (V{"publish", "subscribe", "signal", "forceunpublish",
                                                "forcedisconnect", "forcemute"}));
}

TEST(RoleTest, Predicates) {
  EXPECT_FALSE(canPublish(Role::Subscriber));
  EXPECT_TRUE(canPublish(Role::PublisherOnly));
  EXPECT_FALSE(canSubscribe(Role::PublisherOnly));
  EXPECT_TRUE(canSubscribe(Role::Subscriber));
  EXPECT_TRUE(canSignal(Role::Subscriber));
  EXPECT_TRUE(isModerator(Role::Moderator));
  EXPECT_FALSE(isModerator(Role::Publisher));
}

}  // namespace
}  // namespace parley::core
