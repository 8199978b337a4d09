#include "demo/TokenRequest.h"

#include <gtest/gtest.h>

#include <map>

namespace parley::demo {
namespace {

TokenRequest::FieldLookup fields(std::map<std::string, std::string> values) {
  return [values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(TokenRequestTest, RoomNamesOfTheUrlSafeAlphabet) {
  EXPECT_TRUE(TokenRequest::isValidRoomName("a"));
  EXPECT_TRUE(TokenRequest::isValidRoomName("Daily-standup_2026.v2~x"));
  EXPECT_TRUE(TokenRequest::isValidRoomName(std::string(64, 'r')));
  EXPECT_FALSE(TokenRequest::isValidRoomName(""));
  EXPECT_FALSE(TokenRequest::isValidRoomName(std::string(65, 'r')));
  for (const char* bad :
       {"a b", "a/b", "../x", "a%20", "a?b", "a&b", "a+b", "r\xC3\xA9union", "a\nb", "a:b", "a#b"})
    EXPECT_FALSE(TokenRequest::isValidRoomName(bad)) << bad;
}

TEST(TokenRequestTest, DisplayNamesArePrintableUtf8UpTo64Characters) {
  EXPECT_TRUE(TokenRequest::isValidDisplayName("Bob"));
  EXPECT_TRUE(TokenRequest::isValidDisplayName("Ana María & José <3"));
  EXPECT_TRUE(TokenRequest::isValidDisplayName("\xE5\xB1\xB1\xE7\x94\xB0"));  // 山田
  EXPECT_TRUE(TokenRequest::isValidDisplayName("\xF0\x9F\x8E\x89 party"));    // emoji
  // 64 two-byte characters are 128 bytes and still fit: the limit counts characters.
  std::string accents;
  for (int i = 0; i < 64; ++i) accents += "\xC3\xA9";
  EXPECT_TRUE(TokenRequest::isValidDisplayName(accents));
  EXPECT_FALSE(TokenRequest::isValidDisplayName(accents + "e"));
  EXPECT_TRUE(TokenRequest::isValidDisplayName(std::string(64, 'n')));
  EXPECT_FALSE(TokenRequest::isValidDisplayName(std::string(65, 'n')));
  EXPECT_FALSE(TokenRequest::isValidDisplayName(""));
}

TEST(TokenRequestTest, DisplayNamesWithoutControlsOrBrokenUtf8) {
  for (const std::string& bad :
       {std::string("a\nb"), std::string("tab\there"), std::string("nul\0x", 5),
        std::string("del\x7F"), std::string("c1\xC2\x85"), std::string("ls\xE2\x80\xA8"),
        std::string("\xC3"),
        std::string("\xC0\xAF"),          // overlong '/'
        std::string("\xED\xA0\x80"),      // a surrogate
        std::string("\xF4\x90\x80\x80"),  // above U+10FFFF
        std::string("\xFF"), std::string("\x80")})
    EXPECT_FALSE(TokenRequest::isValidDisplayName(bad)) << testing::PrintToString(bad);
}

TEST(TokenRequestTest, ParsesWithDefaults) {
  auto r = TokenRequest::parse(fields({{"room", "standup"}, {"name", "Bob"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->room, "standup");
  EXPECT_EQ(r->displayName, "Bob");
  EXPECT_EQ(r->role, core::Role::Publisher);
  EXPECT_EQ(r->mediaModeIfNew, core::MediaMode::Routed);
}

TEST(TokenRequestTest, ParsesEveryRoleAndMediaMode) {
  const std::pair<const char*, core::Role> roles[] = {{"publisher", core::Role::Publisher},
                                                      {"moderator", core::Role::Moderator},
                                                      {"subscriber", core::Role::Subscriber},
                                                      {"publisheronly", core::Role::PublisherOnly}};
  for (const auto& [name, role] : roles) {
    auto r = TokenRequest::parse(fields({{"room", "r"}, {"name", "n"}, {"role", name}}));
    ASSERT_TRUE(r.ok()) << name;
    EXPECT_EQ(r->role, role) << name;
  }
  auto relayed =
      TokenRequest::parse(fields({{"room", "r"}, {"name", "n"}, {"mediaMode", "relayed"}}));
  ASSERT_TRUE(relayed.ok());
  EXPECT_EQ(relayed->mediaModeIfNew, core::MediaMode::Relayed);
  // An empty role counts as absent, like an empty form field.
  auto empty = TokenRequest::parse(fields({{"room", "r"}, {"name", "n"}, {"role", ""}}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->role, core::Role::Publisher);
}

TEST(TokenRequestTest, RejectsWhatIsMissingOrWrongAndSaysWhich) {
  struct Case {
    std::map<std::string, std::string> values;
    const char* mentions;
  };
  const Case cases[] = {
      {{{"name", "n"}}, "room"},
      {{{"room", "a b"}, {"name", "n"}}, "room"},
      {{{"room", "r"}}, "name"},
      {{{"room", "r"}, {"name", std::string(65, 'x')}}, "name"},
      {{{"room", "r"}, {"name", "n"}, {"role", "admin"}}, "role"},
      {{{"room", "r"}, {"name", "n"}, {"role", "Moderator"}}, "role"},
      {{{"room", "r"}, {"name", "n"}, {"mediaMode", "p2p"}}, "mediaMode"},
  };
  for (const Case& c : cases) {
    auto r = TokenRequest::parse(fields(c.values));
    ASSERT_FALSE(r.ok()) << c.mentions;
    EXPECT_EQ(r.error().code, core::Error::Code::Invalid);
    EXPECT_NE(r.error().message.find(c.mentions), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace parley::demo
