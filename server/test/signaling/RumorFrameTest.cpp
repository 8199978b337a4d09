#include "signaling/RumorFrame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::signaling {
namespace {

using Type = RumorFrame::Type;

// Bytes from a list of hex octets and quoted strings, as docs/protocol.md §6.2 writes its examples.
std::string bytesOf(std::initializer_list<int> octets) {
  std::string out;
  for (int b : octets) out += static_cast<char>(b);
  return out;
}

std::string u16(std::size_t n) {
  return bytesOf({int(n >> 8) & 0xFF, int(n) & 0xFF});
}
std::string u32(std::size_t n) {
  return bytesOf({int(n >> 24) & 0xFF, int(n >> 16) & 0xFF, int(n >> 8) & 0xFF, int(n) & 0xFF});
}

// Prefixes a frame body with the matching length field.
std::string withLength(const std::string& body) {
  return u32(body.size()) + body;
}

void expectSameFrame(const RumorFrame& a, const RumorFrame& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.addresses, b.addresses);
  EXPECT_EQ(a.headers, b.headers);
  EXPECT_EQ(a.payload, b.payload);
}

RumorFrame roundTrip(const RumorFrame& frame, const RumorFrame::Limits& limits = {}) {
  std::string error;
  const std::string bytes = frame.serialize();
  auto parsed = RumorFrame::parse(bytes, limits, &error);
  EXPECT_TRUE(parsed) << error;
  if (!parsed) return {};
  expectSameFrame(*parsed, frame);
  EXPECT_EQ(parsed->serialize(), bytes);
  return *parsed;
}

RumorFrame make(Type type, std::vector<std::string> addresses,
                std::vector<std::pair<std::string, std::string>> headers, std::string payload) {
  RumorFrame f;
  f.type = static_cast<std::uint8_t>(type);
  f.addresses = std::move(addresses);
  f.headers = std::move(headers);
  f.payload = std::move(payload);
  return f;
}

// §6.2 example 2, assembled exactly as printed.
std::string specStatusBytes() {
  return bytesOf(
             {0x00, 0x00, 0x00, 0x2d, 0x00, 0x00, 0x09, 0x01, 0x00, 0x03, 0x73, 0x79, 0x6d, 0x02}) +
         bytesOf({0x00, 0x0e}) + "TRANSACTION-ID" + bytesOf({0x00, 0x02}) + "t1" +
         bytesOf({0x00, 0x06}) + "STATUS" + bytesOf({0x00, 0x03}) + "200" + bytesOf({0x7b, 0x7d});
}

// A frame shaped like the client's connection-create MESSAGE (§6.3 observed frames).
RumorFrame clientMessage() {
  return make(Type::Message, {"symphony.local"},
              {{"X-TB-TOKEN-AUTH", "T1==cGFydG5lcl9pZD0xMjM0NTY3OCZzaWc9YWJj"},
               {"Content-Type", "application/x-raptor+v2"},
               {"TRANSACTION-ID", "8a32b044-3f43-4c1e-9d3a-0c6cb1d1f0a4"},
               {"X-TB-FROM-ADDRESS", "3c0c0777-4317-4638-87b6-225fc4cdc22f"}},
              R"({"method":"create","uri":"/v2/partner/12345678/session/1_MX4x/connection/)"
              R"(3c0c0777-4317-4638-87b6-225fc4cdc22f","content":{}})");
}

TEST(RumorFrameTest, SpecPingExample) {
  const std::string ping = bytesOf({0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x07, 0x00, 0x00});
  std::string error;
  auto frame = RumorFrame::parse(ping, {}, &error);
  ASSERT_TRUE(frame) << error;
  EXPECT_TRUE(frame->is(Type::Ping));
  EXPECT_EQ(frame->knownType(), Type::Ping);
  EXPECT_TRUE(frame->addresses.empty());
  EXPECT_TRUE(frame->headers.empty());
  EXPECT_TRUE(frame->payload.empty());

  RumorFrame built;
  built.type = static_cast<std::uint8_t>(Type::Ping);
  EXPECT_EQ(built.serialize(), ping);
}

TEST(RumorFrameTest, SpecPongBytes) {
  RumorFrame pong;
  pong.type = static_cast<std::uint8_t>(Type::Pong);
  EXPECT_EQ(pong.serialize(), bytesOf({0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x08, 0x00, 0x00}));
}

TEST(RumorFrameTest, SpecStatusExample) {
  const std::string bytes = specStatusBytes();
  ASSERT_EQ(bytes.size(), 0x2du + 4);
  std::string error;
  auto frame = RumorFrame::parse(bytes, {}, &error);
  ASSERT_TRUE(frame) << error;
  EXPECT_TRUE(frame->is(Type::Status));
  EXPECT_EQ(frame->addresses, std::vector<std::string>{"sym"});
  ASSERT_EQ(frame->headers.size(), 2u);
  EXPECT_EQ(frame->headers[0], (std::pair<std::string, std::string>{"TRANSACTION-ID", "t1"}));
  EXPECT_EQ(frame->headers[1], (std::pair<std::string, std::string>{"STATUS", "200"}));
  EXPECT_EQ(frame->header("STATUS"), "200");
  EXPECT_EQ(frame->payload, "{}");

  const RumorFrame built =
      make(Type::Status, {"sym"}, {{"TRANSACTION-ID", "t1"}, {"STATUS", "200"}}, "{}");
  EXPECT_EQ(built.serialize(), bytes);
}

TEST(RumorFrameTest, EveryMessageTypeRoundTrips) {
  for (Type t : {Type::Subscribe, Type::Unsubscribe, Type::Message, Type::Connect, Type::Disconnect,
                 Type::Ping, Type::Pong, Type::Status}) {
    SCOPED_TRACE(static_cast<int>(t));
    const RumorFrame back = roundTrip(make(t, {"a"}, {{"k", "v"}}, "p"));
    EXPECT_TRUE(back.is(t));
  }
}

TEST(RumorFrameTest, UnknownTypesParse) {
  for (int t : {5, 6, 10, 0x7f, 0x80, 0xff}) {
    SCOPED_TRACE(t);
    RumorFrame f = make(Type::Message, {"symphony.local"}, {{"TRANSACTION-ID", "x"}}, "{}");
    f.type = static_cast<std::uint8_t>(t);
    const RumorFrame back = roundTrip(f);
    EXPECT_EQ(back.type, t);
    EXPECT_FALSE(back.is(Type::Message));
  }
}

TEST(RumorFrameTest, ObservedClientFramesRoundTrip) {
  // §6.3: CONNECT, SUBSCRIBE, MESSAGE, and the client's acknowledgement STATUS (§6.5).
  roundTrip(make(Type::Connect, {},
                 {{"uniqueId", "3c0c0777-4317-4638-87b6-225fc4cdc22f"},
                  {"TRANSACTION-ID", "69a9e9b9-0e6c-4d4c-9d0e-5c4f3f8c2b11"},
                  {"notifyDisconnectAddress", "symphony.local"}},
                 ""));
  roundTrip(make(Type::Subscribe,
                 {"/v2/partner/12345678/session/"
                  "1_MX4xMjM0NTY3OH5-MTczOTUzODg5NDk1OX5ROW1jWEcxUXJOM1RJWXU4eStwcHgvZ3N-UH5-"},
                 {}, ""));
  const RumorFrame message = roundTrip(clientMessage());
  EXPECT_EQ(message.header("Content-Type"), "application/x-raptor+v2");
  EXPECT_EQ(message.header("X-TB-FROM-ADDRESS"), "3c0c0777-4317-4638-87b6-225fc4cdc22f");
  roundTrip(make(Type::Status, {"f6757198-2c2a-4d4c-8a53-2f1f5a4a9b10"},
                 {{"TRANSACTION-ID", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
                  {"X-TB-FROM-ADDRESS", "3c0c0777-4317-4638-87b6-225fc4cdc22f"}},
                 ""));
  roundTrip(make(Type::Disconnect, {}, {{"reconnect", "1"}}, ""));
}

TEST(RumorFrameTest, EmptyHeaderValueIsEncodedWithLengthZero) {
  const RumorFrame leave = make(Type::Disconnect, {}, {{"reconnect", ""}}, "");
  const std::string bytes = leave.serialize();
  EXPECT_EQ(bytes, u32(5 + 2 + 9 + 2) + bytesOf({0x00, 0x00, 0x04, 0x00, 0x01}) + u16(9) +
                       "reconnect" + u16(0));
  auto back = RumorFrame::parse(bytes, {});
  ASSERT_TRUE(back);
  auto value = back->header("reconnect");
  ASSERT_TRUE(value);  // present, and empty: "the client is leaving"
  EXPECT_TRUE(value->empty());
  EXPECT_FALSE(back->header("Reconnect"));
}

TEST(RumorFrameTest, EmptyStringsEverywhere) {
  const RumorFrame back = roundTrip(make(Type::Message, {"", ""}, {{"", ""}, {"", "x"}}, ""));
  EXPECT_EQ(back.header(""), "x");
}

TEST(RumorFrameTest, UnicodeLengthsAreInBytes) {
  const std::string address = "адрес";     // 5 letters, 10 bytes
  const std::string value = "日本語 ✓ 🎥";  // multi-byte, including a 4-byte sequence
  const std::string payload = R"({"data":"héllo wörld 👋"})";
  const RumorFrame frame = make(Type::Message, {address}, {{"X-Ключ", value}}, payload);
  const std::string bytes = frame.serialize();
  EXPECT_EQ(bytes.substr(8, 2), u16(address.size()));
  EXPECT_EQ(address.size(), 10u);
  EXPECT_EQ(bytes.size(), 4 + 5 + (2 + address.size()) +
                              (4 + std::string("X-Ключ").size() + value.size()) + payload.size());
  const RumorFrame back = roundTrip(frame);
  EXPECT_EQ(back.header("X-Ключ"), value);
}

TEST(RumorFrameTest, BinaryBytesSurvive) {
  std::string odd;
  for (int b = 0; b < 256; ++b) odd += static_cast<char>(b);
  roundTrip(make(Type::Message, {odd}, {{odd, odd}}, odd));
}

TEST(RumorFrameTest, MaximumCountsRoundTrip) {
  RumorFrame frame;
  frame.type = static_cast<std::uint8_t>(Type::Message);
  for (int i = 0; i < 255; ++i) {
    frame.addresses.push_back("addr-" + std::to_string(i));
    frame.headers.emplace_back("key-" + std::to_string(i), "value-" + std::to_string(i));
  }
  frame.payload = "{}";
  const std::string bytes = frame.serialize();
  EXPECT_EQ(static_cast<unsigned char>(bytes[7]), 255);
  const RumorFrame back = roundTrip(frame);
  EXPECT_EQ(back.addresses.size(), 255u);
  EXPECT_EQ(back.headers.size(), 255u);
  EXPECT_EQ(back.header("key-254"), "value-254");
}

TEST(RumorFrameTest, MaximumStringLengthRoundTrips) {
  const std::string longest(65535, 'a');
  const RumorFrame back = roundTrip(make(Type::Message, {longest}, {{"k", longest}}, "x"));
  EXPECT_EQ(back.addresses[0].size(), 65535u);
  EXPECT_EQ(back.header("k")->size(), 65535u);
}

TEST(RumorFrameTest, CountLimitsAreEnforced) {
  RumorFrame::Limits limits;
  limits.maxAddresses = 2;
  limits.maxHeaders = 1;
  std::string error;
  EXPECT_TRUE(
      RumorFrame::parse(make(Type::Message, {"a", "b"}, {{"k", "v"}}, "").serialize(), limits));
  EXPECT_FALSE(
      RumorFrame::parse(make(Type::Message, {"a", "b", "c"}, {}, "").serialize(), limits, &error));
  EXPECT_NE(error.find("addresses"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(RumorFrame::parse(make(Type::Message, {}, {{"k", "v"}, {"k", "w"}}, "").serialize(),
                                 limits, &error));
  EXPECT_NE(error.find("headers"), std::string::npos) << error;

  limits.maxAddresses = 0;
  limits.maxHeaders = 0;
  EXPECT_TRUE(RumorFrame::parse(make(Type::Ping, {}, {}, "").serialize(), limits));
  EXPECT_FALSE(RumorFrame::parse(make(Type::Subscribe, {"t"}, {}, "").serialize(), limits));
}

TEST(RumorFrameTest, OversizedFrameIsRejected) {
  RumorFrame::Limits limits;
  limits.maxFrameBytes = 100;
  RumorFrame frame = make(Type::Message, {"a"}, {}, "");
  frame.payload.assign(100 - frame.serialize().size(), 'x');
  ASSERT_EQ(frame.serialize().size(), 100u);
  EXPECT_TRUE(RumorFrame::parse(frame.serialize(), limits));
  frame.payload += 'x';
  std::string error;
  EXPECT_FALSE(RumorFrame::parse(frame.serialize(), limits, &error));
  EXPECT_NE(error.find("limit"), std::string::npos) << error;

  // The default limit: 256 KiB per message.
  RumorFrame big = make(Type::Message, {}, {}, "");
  big.payload.assign(256 * 1024 - 9, 'x');
  EXPECT_TRUE(RumorFrame::parse(big.serialize(), {}));
  big.payload += 'x';
  EXPECT_FALSE(RumorFrame::parse(big.serialize(), {}));
}

TEST(RumorFrameTest, WrongLengthFieldIsRejected) {
  const std::string good = specStatusBytes();
  const std::size_t length = good.size() - 4;
  for (std::size_t wrong : {std::size_t{0}, std::size_t{5}, length - 1, length + 1, length + 1000,
                            std::size_t{0x7fffffff}, std::size_t{0xffffffff}}) {
    SCOPED_TRACE(wrong);
    std::string bytes = u32(wrong) + good.substr(4);
    std::string error;
    EXPECT_FALSE(RumorFrame::parse(bytes, {}, &error));
    EXPECT_NE(error.find("length field"), std::string::npos) << error;
  }
  // Two frames in one message are not one frame.
  EXPECT_FALSE(RumorFrame::parse(good + good, {}));
}

TEST(RumorFrameTest, EveryPrefixFailsCleanly) {
  for (const std::string& bytes : {specStatusBytes(), clientMessage().serialize()}) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      SCOPED_TRACE(n);
      std::string error;
      EXPECT_FALSE(RumorFrame::parse(std::string_view(bytes).substr(0, n), {}, &error));
      EXPECT_FALSE(error.empty());
    }
  }
}

TEST(RumorFrameTest, PrefixWithMatchingLengthFailsUntilTheHeadersAreComplete) {
  // Patch the length field to each prefix so the checks inside the frame are reached: a cut
  // in an address or header must fail; a cut in the payload is just a shorter payload.
  const RumorFrame frame = clientMessage();
  const std::string bytes = frame.serialize();
  const std::size_t payloadStart = bytes.size() - frame.payload.size();
  for (std::size_t n = 4; n <= bytes.size(); ++n) {
    SCOPED_TRACE(n);
    const std::string cut = u32(n - 4) + bytes.substr(4, n - 4);
    std::string error;
    auto parsed = RumorFrame::parse(cut, {}, &error);
    if (n < payloadStart) {
      EXPECT_FALSE(parsed);
      EXPECT_FALSE(error.empty());
    } else {
      ASSERT_TRUE(parsed) << error;
      EXPECT_EQ(parsed->payload, frame.payload.substr(0, n - payloadStart));
      EXPECT_EQ(parsed->headers, frame.headers);
    }
  }
}

TEST(RumorFrameTest, StringLengthPastTheEndIsRejected) {
  // One address claiming 0xffff bytes in a 12-byte frame.
  const std::string bytes = withLength(bytesOf({0x00, 0x00, 0x02, 0x01, 0xff, 0xff, 'a', 'b'}));
  std::string error;
  EXPECT_FALSE(RumorFrame::parse(bytes, {}, &error));
  EXPECT_NE(error.find("address 0"), std::string::npos) << error;
  // A header value claiming more than what is left.
  const std::string hdr =
      withLength(bytesOf({0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 'k', 0x00, 0x05, 'v'}));
  EXPECT_FALSE(RumorFrame::parse(hdr, {}, &error));
  EXPECT_NE(error.find("header 0"), std::string::npos) << error;
}

TEST(RumorFrameTest, ReservedBytesAreIgnoredAndWrittenAsZero) {
  std::string bytes = specStatusBytes();
  bytes[4] = '\xab';
  bytes[5] = '\xcd';
  auto frame = RumorFrame::parse(bytes, {});
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->serialize(), specStatusBytes());
}

TEST(RumorFrameTest, GarbageNeverThrows) {
  const std::vector<std::string> inputs = {
      "",
      std::string(1, '\0'),
      std::string(8, '\0'),
      std::string(9, '\0'),
      std::string(9, '\xff'),
      "hello world",
      R"({"method":"create"})",
      u32(5) + std::string(5, '\xff'),  // 255 addresses announced, none present
  };
  for (const std::string& input : inputs) {
    std::string error;
    EXPECT_NO_THROW(EXPECT_FALSE(RumorFrame::parse(input, {}, &error)));
    EXPECT_FALSE(error.empty());
  }
  // The error out-parameter is optional.
  EXPECT_FALSE(RumorFrame::parse("xyz", {}));
}

TEST(RumorFrameTest, HeaderLookupIsCaseSensitiveAndLastWins) {
  RumorFrame frame =
      make(Type::Message, {}, {{"STATUS", "500"}, {"status", "201"}, {"STATUS", "200"}}, "");
  EXPECT_EQ(frame.header("STATUS"), "200");
  EXPECT_EQ(frame.header("status"), "201");
  EXPECT_FALSE(frame.header("Status"));
  EXPECT_FALSE(frame.header("STATUS "));

  // Parsing keeps duplicates in wire order; lookup still sees the last one.
  auto parsed = RumorFrame::parse(frame.serialize(), {});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->headers.size(), 3u);
  EXPECT_EQ(parsed->header("STATUS"), "200");
}

TEST(RumorFrameTest, SetHeaderReplacesTheLastOccurrenceOrAppends) {
  RumorFrame frame = make(Type::Status, {}, {{"A", "1"}, {"B", "2"}, {"A", "3"}}, "");
  frame.setHeader("A", "x");
  EXPECT_EQ(frame.headers,
            (std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "2"}, {"A", "x"}}));
  EXPECT_EQ(frame.header("A"), "x");
  frame.setHeader("a", "y");  // a different key
  frame.setHeader("C", "");
  EXPECT_EQ(frame.headers, (std::vector<std::pair<std::string, std::string>>{
                               {"A", "1"}, {"B", "2"}, {"A", "x"}, {"a", "y"}, {"C", ""}}));
  roundTrip(frame);
}

TEST(RumorFrameTest, SerializeToAppends) {
  std::string out = "prefix";
  make(Type::Ping, {}, {}, "").serializeTo(out);
  EXPECT_EQ(out, "prefix" + bytesOf({0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x07, 0x00, 0x00}));
}

TEST(RumorFrameTest, TooManyAddressesIsAProgrammingError) {
  RumorFrame frame;
  frame.addresses.assign(256, "a");
  // Debug builds assert; release builds write a well-formed frame of the first 255.
  EXPECT_DEBUG_DEATH(
      {
        auto back = RumorFrame::parse(frame.serialize(), {});
        ASSERT_TRUE(back);
        EXPECT_EQ(back->addresses.size(), 255u);
      },
      "");
}

}  // namespace
}  // namespace parley::signaling
