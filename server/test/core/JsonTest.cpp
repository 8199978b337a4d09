#include "core/Json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace parley::core {
namespace {

Json parseOk(std::string_view text) {
  std::string error;
  auto v = Json::parse(text, &error);
  EXPECT_TRUE(v) << text << ": " << error;
  return v.value_or(Json());
}

bool parses(std::string_view text) {
  return Json::parse(text).has_value();
}

TEST(JsonTest, ParsesScalars) {
  EXPECT_TRUE(parseOk("null").isNull());
  EXPECT_EQ(parseOk("true").asBool(), true);
  EXPECT_EQ(parseOk(" false ").asBool(), false);
  EXPECT_EQ(parseOk("\"hi\"").asString(), "hi");
  EXPECT_EQ(parseOk("42").asInt(), 42);
  EXPECT_TRUE(parseOk("42").isInteger());
  EXPECT_EQ(parseOk("-0").asInt(), 0);
  EXPECT_DOUBLE_EQ(parseOk("0.5").asDouble(), 0.5);
  EXPECT_FALSE(parseOk("0.5").isInteger());
  EXPECT_DOUBLE_EQ(parseOk("-1.25e2").asDouble(), -125);
  EXPECT_DOUBLE_EQ(parseOk("1E-2").asDouble(), 0.01);
}

TEST(JsonTest, ParsesContainersAndKeepsOrder) {
  const Json v = parseOk(R"({"b":1,"a":[1,"x",null,{"c":true}],"e":{}})");
  ASSERT_TRUE(v.isObject());
  EXPECT_EQ(v.keys(), (std::vector<std::string>{"b", "a", "e"}));
  const Json* a = v.find("a");
  ASSERT_TRUE(a && a->isArray());
  EXPECT_EQ(a->size(), 4u);
  EXPECT_EQ(a->at(1).asString(), "x");
  EXPECT_EQ(a->at(3).getBool("c"), true);
  EXPECT_TRUE(v.find("e")->isObject());
  EXPECT_EQ(v.getInt("b"), 1);
  EXPECT_FALSE(v.getString("b"));
  EXPECT_FALSE(v.getInt("zz"));
}

TEST(JsonTest, DumpsCompactly) {
  Json v = Json::object({{"s", "a\"b\\c\n\t\x01"}, {"n", 3}, {"d", 0.25}, {"z", nullptr}});
  v.set("arr", Json::array({true, false, Json::object()}));
  EXPECT_EQ(v.dump(), R"({"s":"a\"b\\c\n\t\u0001","n":3,"d":0.25,"z":null,"arr":[true,false,{}]})");
  EXPECT_EQ(Json(1.0).dump(), "1");
  EXPECT_EQ(Json(1e300).dump(), "1e+300");
  EXPECT_EQ(Json(std::numeric_limits<double>::infinity()).dump(), "0");  // no Inf in JSON
  EXPECT_EQ(Json(std::numeric_limits<double>::quiet_NaN()).dump(), "0");
  EXPECT_EQ(Json(1e20).dump(), "1e+20");
  EXPECT_EQ(Json(9007199254740994.0).dump(), "9.007199254740994e+15");
}

TEST(JsonTest, IntegerOverloadsDoNotRecurse) {
  EXPECT_EQ(Json(7).dump(), "7");
  EXPECT_EQ(Json(7u).dump(), "7");
  EXPECT_EQ(Json(7L).dump(), "7");
  EXPECT_EQ(Json(7LL).dump(), "7");
  EXPECT_EQ(Json(7UL).dump(), "7");
  EXPECT_EQ(Json(std::int64_t{-9}).dump(), "-9");
}

TEST(JsonTest, Escapes) {
  EXPECT_EQ(parseOk(R"("\"\\\/\b\f\n\r\t")").asString(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(parseOk(R"("\u0041\u00e9\u20AC")").asString(), "A\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(parseOk(R"("\u0000")").asString(), std::string(1, '\0'));
  EXPECT_FALSE(parses(R"("\x")"));
  EXPECT_FALSE(parses(R"("\u12")"));
  EXPECT_FALSE(parses(R"("\u12g4")"));
  EXPECT_FALSE(parses("\"a\nb\""));  // raw control character
  EXPECT_FALSE(parses("\"abc"));
}

TEST(JsonTest, Surrogates) {
  EXPECT_EQ(parseOk(R"("\ud83d\ude00")").asString(), "\xf0\x9f\x98\x80");
  EXPECT_FALSE(parses(R"("\ud83d")"));        // lone high
  EXPECT_FALSE(parses(R"("\ude00")"));        // lone low
  EXPECT_FALSE(parses(R"("\ud83d\u0041")"));  // high + non-low
  EXPECT_FALSE(parses(R"("\ud83dx")"));
}

TEST(JsonTest, Utf8Validation) {
  EXPECT_EQ(parseOk("\"\xc3\xa9\xf0\x9f\x98\x80\"").asString(), "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_FALSE(parses("\"\xff\""));
  EXPECT_FALSE(parses("\"\xc3\""));              // truncated
  EXPECT_FALSE(parses("\"\xc0\xaf\""));          // overlong
  EXPECT_FALSE(parses("\"\xed\xa0\x80\""));      // encoded surrogate
  EXPECT_FALSE(parses("\"\xf4\x90\x80\x80\""));  // above U+10FFFF
  EXPECT_FALSE(parses("\"\x80\""));              // stray continuation
}

TEST(JsonTest, RejectsSyntaxErrors) {
  for (const char* bad :
       {"",           " ",  "nul", "tru", "[1,]",    "[1 2]", "{\"a\"}", "{\"a\":}", "{a:1}",
        "{\"a\":1,}", "01", "1.",  ".5",  "-",       "1e",    "+1",      "NaN",      "Infinity",
        "[",          "]",  "{}}", "1 2", "\"a\" x", "'a'",   "1e999"}) {
    EXPECT_FALSE(parses(bad)) << bad;
  }
}

TEST(JsonTest, ReportsErrorOffset) {
  std::string error;
  EXPECT_FALSE(Json::parse("[1,x]", &error));
  EXPECT_NE(error.find("offset 3"), std::string::npos) << error;
}

TEST(JsonTest, DepthLimit) {
  const auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  EXPECT_TRUE(parses(nested(Json::kDefaultMaxDepth)));
  EXPECT_FALSE(parses(nested(Json::kDefaultMaxDepth + 1)));
  EXPECT_FALSE(parses(nested(100000)));  // no stack overflow
  EXPECT_TRUE(Json::parse(nested(3), nullptr, 3));
  EXPECT_FALSE(Json::parse(nested(4), nullptr, 3));
  EXPECT_FALSE(Json::parse("{\"a\":{\"b\":{\"c\":{}}}}", nullptr, 3));
}

TEST(JsonTest, DuplicateKeysLastWins) {
  const Json v = parseOk(R"({"a":1,"b":2,"a":3})");
  EXPECT_EQ(v.keys(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(v.getInt("a"), 3);
  EXPECT_EQ(v.dump(), R"({"b":2,"a":3})");
}

TEST(JsonTest, BigIntegers) {
  EXPECT_EQ(parseOk("9223372036854775807").asInt(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parseOk("-9223372036854775808").asInt(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(parseOk("9223372036854775807").dump(), "9223372036854775807");
  const Json big = parseOk("18446744073709551616");  // beyond int64: becomes a double
  EXPECT_FALSE(big.isInteger());
  EXPECT_DOUBLE_EQ(big.asDouble(), 18446744073709551616.0);
  EXPECT_FALSE(parseOk(R"({"t":1e30})").getInt("t"));  // no silent wrap-around
  EXPECT_EQ(parseOk(R"({"t":1764000000.9})").getInt("t"), 1764000000);
  // A large double must not turn into an int64 on the way back (found by json_fuzz).
  const Json d = parseOk("1223456789012345667.90");
  EXPECT_FALSE(d.isInteger());
  EXPECT_NE(d.dump().find("e+18"), std::string::npos) << d.dump();
  EXPECT_EQ(*Json::parse(d.dump()), d);
}

TEST(JsonTest, OutOfRangeDoubles) {
  EXPECT_EQ(parseOk("1e-400").asDouble(), 0.0);
  EXPECT_TRUE(std::signbit(parseOk("-1e-400").asDouble()));
  EXPECT_EQ(parseOk("0." + std::string(400, '0') + "1").asDouble(), 0.0);
  EXPECT_EQ(parseOk("1e-99999999999999999999").asDouble(), 0.0);
  EXPECT_EQ(parseOk("123e-500").asDouble(), 0.0);
  EXPECT_GT(parseOk("4.9e-324").asDouble(), -1.0);  // denormal or 0, either is fine
  EXPECT_DOUBLE_EQ(parseOk("1.7976931348623157e308").asDouble(), 1.7976931348623157e308);
  EXPECT_FALSE(parses("1e400"));
  EXPECT_FALSE(parses("-1e400"));
  EXPECT_FALSE(parses("1" + std::string(400, '0')));
  EXPECT_FALSE(parses("0.001e99999999999999999999"));
  EXPECT_FALSE(parses("[1e309]"));
}

TEST(JsonTest, RoundTrip) {
  const char* text =
      R"({"iss":"47665971","iat":1764000000,"nonce":0.5687564072704934,"s":"\u00e9\ud83d\ude00\u0001",)"
      R"("a":[1,-2.5,1e-7,true,null,[]],"o":{"k":"v"}})";
  const Json v = parseOk(text);
  const auto again = Json::parse(v.dump());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, v);
  EXPECT_EQ(again->dump(), v.dump());
}

TEST(JsonTest, MutationHelpers) {
  Json v;
  v.set("a", 1);
  v.set("b", "x");
  v.set("a", 2);
  EXPECT_EQ(v.dump(), R"({"a":2,"b":"x"})");
  EXPECT_TRUE(v.erase("a"));
  EXPECT_FALSE(v.erase("a"));
  EXPECT_EQ(v.dump(), R"({"b":"x"})");
  Json arr;
  arr.push(1);
  arr.push("two");
  EXPECT_EQ(arr.dump(), R"([1,"two"])");
  EXPECT_EQ(Json(nullptr).find("x"), nullptr);
}

}  // namespace
}  // namespace parley::core

namespace parley::core {
namespace {

TEST(JsonRawTest, IsWrittenVerbatimWhereverItSits) {
  Json doc = Json::object({{"list", Json::array({Json::raw(R"({"id":"a","n":[1,2]})"), 3})}});
  EXPECT_EQ(doc.dump(), R"({"list":[{"id":"a","n":[1,2]},3]})");
  const Json* list = doc.find("list");
  ASSERT_TRUE(list && list->isArray());
  EXPECT_TRUE(list->at(0).isRaw());
  EXPECT_FALSE(list->at(0).isObject()) << "opaque to the accessors";
  EXPECT_EQ(list->at(0), Json::raw(R"({"id":"a","n":[1,2]})"));
  EXPECT_NE(list->at(0), *Json::parse(R"({"id":"a","n":[1,2]})")) << "equal only to raw text";
  auto reparsed = Json::parse(doc.dump());
  ASSERT_TRUE(reparsed);
  EXPECT_EQ(reparsed->find("list")->at(0).getString("id"), "a");
}

}  // namespace
}  // namespace parley::core
