#include "core/SessionId.h"

#include <gtest/gtest.h>

#include <set>

#include "core/Base64.h"

namespace parley::core {
namespace {

std::string payloadOf(const std::string& id) {
  return Base64::decode(std::string_view(id).substr(2), Base64::Alphabet::UrlSafe).value_or("?");
}

TEST(SessionIdTest, GenerateHasOpenTokShape) {
  const std::string id = SessionId::generate("47665971", "", 1739538894959, true);
  ASSERT_EQ(id.substr(0, 2), "1_");
  EXPECT_EQ(
      id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 2),
      std::string::npos)
      << id;  // URL-safe, no padding
  const std::string plain = payloadOf(id);
  EXPECT_EQ(plain.substr(0, 26), "1~47665971~~1739538894959~");
  EXPECT_EQ(plain.substr(plain.size() - 3), "~P~");
  EXPECT_EQ(plain.size(), 26u + 24u + 3u);

  const std::string routed = payloadOf(SessionId::generate("47665971", "10.1.2.3", 5, false));
  EXPECT_EQ(routed.substr(0, 22), "1~47665971~10.1.2.3~5~");
  EXPECT_EQ(routed.substr(routed.size() - 2), "~~");
}

TEST(SessionIdTest, GenerateDecodesToItsParts) {
  const std::string id = SessionId::generate("12345678", "192.168.0.1", 1764000000123, true);
  const auto parts = SessionId::decode(id);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->apiKey, "12345678");
  EXPECT_EQ(parts->location, "192.168.0.1");
  EXPECT_EQ(parts->createdAt, "1764000000123");
  EXPECT_EQ(parts->random.size(), 24u);
  EXPECT_EQ(parts->flags, "P");

  const auto routed = SessionId::decode(SessionId::generate("12345678", "", 1, false));
  ASSERT_TRUE(routed);
  EXPECT_EQ(routed->flags, "");
}

TEST(SessionIdTest, GenerateIsUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 500; ++i) ids.insert(SessionId::generate("1", "", 0, true));
  EXPECT_EQ(ids.size(), 500u);
}

// Session IDs from the Ruby SDK's cassettes and the Python SDK's fixtures (docs/protocol.md §1.2).
TEST(SessionIdTest, DecodesRealSdkFixtures) {
  auto p = SessionId::decode(
      "1_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->apiKey, "123456");
  EXPECT_EQ(p->location, "");
  EXPECT_EQ(p->createdAt, "Mon Mar 17 00:41:31 PDT 2014");
  EXPECT_EQ(p->random, "0.6837895344942808");
  EXPECT_EQ(p->flags, "");

  p = SessionId::decode(
      "1_MX4xMjM0NTZ-MTIuMzQuNTYuNzh-"
      "TW9uIE1hciAxNyAwMTo0ODo1NSBQRFQgMjAxNH4wLjM0MTM0MzE0MDIyOTU4Mjh-");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->apiKey, "123456");
  EXPECT_EQ(p->location, "12.34.56.78");

  // "1~123456~~Sat Mar 15 14:42:23 PDT 2014~0.49013025~" (length ≡ 3 mod 4, no padding)
  p = SessionId::decode("1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->random, "0.49013025");

  p = SessionId::decode(
      "1_MX40NzY2NTk3MX5-MTczOTUzODg5NDk1OX5ROW1jWEcxUXJOM1RJWXU4eStwcHgvZ3N-UH5-");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->apiKey, "47665971");
  EXPECT_EQ(p->createdAt, "1739538894959");
  EXPECT_EQ(p->random, "Q9mcXG1QrN3TIYu8y+ppx/gs");
  EXPECT_EQ(p->flags, "P");

  // Vonage application UUID as the key.
  p = SessionId::decode(
      "1_MX4yOWY3NjBmOC03Y2UxLTQ2YzktYWRlMy1mMmRlZGVlNGVkNWZ-fjE3MjY0NjI1ODg2NDd-"
      "MTF4TGExYmJoelBlR1FHbVhzbWd4STBrfn5-");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->apiKey, "29f760f8-7ce1-46c9-ade3-f2dedee4ed5f");
  EXPECT_EQ(p->flags, "");

  // The "2_" prefix of the Ruby cassettes.
  p = SessionId::decode("2_MX4yNzA4NjYxMn5-MTU0NzA4MDUwMDc2MH5STWRiSE1jZjVoV3lBQU9nN2JuNElUV3V-fg");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->apiKey, "27086612");
}

TEST(SessionIdTest, AcceptsStandardAlphabetAndPadding) {
  // The SDKs map '-'/'_' to '+'/'/' before decoding; an ID written that way still works.
  auto p = SessionId::decode(
      "1_MX4xMjM0NTZ+fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR+MC42ODM3ODk1MzQ0OTQyODA4fg==");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->apiKey, "123456");
}

TEST(SessionIdTest, RejectsInvalidIds) {
  EXPECT_FALSE(SessionId::decode(""));
  EXPECT_FALSE(SessionId::decode("1_"));
  EXPECT_FALSE(SessionId::decode(
      "x_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg"));
  EXPECT_FALSE(SessionId::decode(
      "1-MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg"));
  // Not base64 / not printable ASCII: a Python test fixture that is deliberately bogus.
  EXPECT_FALSE(SessionId::decode("2_MX4xMDBfjE0Mzc2NzY1NDgwMTJ-TjMzfn4"));
  EXPECT_FALSE(SessionId::decode("1_!!!!"));
  const auto encode = [](std::string_view plain) {
    return "1_" + Base64::encode(plain, Base64::Alphabet::UrlSafe, false);
  };
  EXPECT_FALSE(SessionId::decode(encode("1~123456~~date")));       // too few fields
  EXPECT_FALSE(SessionId::decode(encode("1~~~date~random~")));     // empty API key
  EXPECT_FALSE(SessionId::decode(encode("x~123~~date~random~")));  // field 0 not a version
  EXPECT_FALSE(SessionId::decode(encode("1~12\x01~~date~random~")));
  EXPECT_FALSE(SessionId::decode(encode("1~\xc3\xbc~~date~random~")));
  EXPECT_TRUE(SessionId::decode(encode("1~k~~~~")));  // minimal: five fields
  EXPECT_FALSE(SessionId::decode(encode("1~k~~~~" + std::string(400, 'a'))));  // too long
}

}  // namespace
}  // namespace parley::core
