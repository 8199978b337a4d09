#include "core/FormData.h"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(FormDataTest, ParsesFieldsInOrder) {
  const auto form = FormData::parse("p2p.preference=enabled&archiveMode=manual&location=10.0.0.1");
  ASSERT_TRUE(form);
  ASSERT_EQ(form->size(), 3u);
  EXPECT_EQ(form->fields()[0], FormData::Field("p2p.preference", "enabled"));
  EXPECT_EQ(form->fields()[1], FormData::Field("archiveMode", "manual"));
  EXPECT_EQ(form->fields()[2], FormData::Field("location", "10.0.0.1"));
  EXPECT_EQ(form->get("archiveMode"), "manual");
  EXPECT_FALSE(form->get("e2ee"));
}

TEST(FormDataTest, PlusAndPercent20AreBothSpaces) {
  const auto form = FormData::parse("a=Bob+Smith&b=Bob%20Smith&c%20d=x+%2B+y");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->get("a"), "Bob Smith");
  EXPECT_EQ(form->get("b"), "Bob Smith");
  EXPECT_EQ(form->get("c d"), "x + y");
}

TEST(FormDataTest, DecodesPercentEscapesInBothCases) {
  const auto form = FormData::parse("data=name%3DBob%26x%3d1&u=%C3%BC");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->get("data"), "name=Bob&x=1");
  EXPECT_EQ(form->get("u"), "\xc3\xbc");
}

TEST(FormDataTest, EdgeShapes) {
  auto form = FormData::parse("");
  ASSERT_TRUE(form);
  EXPECT_TRUE(form->empty());

  form = FormData::parse("&&a=1&&b&c=&=v&d==x&");
  ASSERT_TRUE(form);
  ASSERT_EQ(form->size(), 5u);
  EXPECT_EQ(form->get("a"), "1");
  EXPECT_EQ(form->get("b"), "");  // no '=' → empty value
  EXPECT_EQ(form->get("c"), "");
  EXPECT_EQ(form->get(""), "v");
  EXPECT_EQ(form->get("d"), "=x");  // only the first '=' separates
}

TEST(FormDataTest, KeepsRepeatedNames) {
  const auto form = FormData::parse("a=1&b=2&a=3");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->count("a"), 2u);
  EXPECT_EQ(form->get("a"), "1");
  EXPECT_TRUE(form->contains("b"));
  EXPECT_FALSE(form->contains("c"));
}

TEST(FormDataTest, RejectsMalformedEscapes) {
  for (const char* bad : {"a=%", "a=%4", "a=%4g", "a=%G1", "%zz=1", "a=1&b=%%41", "a=%\xff\xff"}) {
    EXPECT_FALSE(FormData::parse(bad)) << bad;
  }
  EXPECT_FALSE(FormData::decode("%"));
  EXPECT_EQ(FormData::decode("%00"), std::string(1, '\0'));
}

TEST(FormDataTest, EncodeMatchesEncodeURIComponent) {
  // Expected strings from node -e 'console.log(encodeURIComponent(...))'.
  EXPECT_EQ(FormData::encode("name=Bob Smith&x=1"), "name%3DBob%20Smith%26x%3D1");
  EXPECT_EQ(FormData::encode("AZaz09-_.!~*'()"), "AZaz09-_.!~*'()");
  EXPECT_EQ(FormData::encode("+/?#[]@$,;:"), "%2B%2F%3F%23%5B%5D%40%24%2C%3B%3A");
  EXPECT_EQ(FormData::encode("\xc3\xbc\xe2\x9c\x93"), "%C3%BC%E2%9C%93");
  EXPECT_EQ(FormData::encode(std::string("\0\n", 2)), "%00%0A");
}

TEST(FormDataTest, ToStringRoundTrips) {
  FormData form;
  form.add("session id", "1_MX4~x+y");
  form.add("", "");
  form.add("data", "a=b&c=d %");
  EXPECT_EQ(form.toString(), "session%20id=1_MX4~x%2By&=&data=a%3Db%26c%3Dd%20%25");
  const auto back = FormData::parse(form.toString());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->fields(), form.fields());
}

}  // namespace
}  // namespace parley::core
