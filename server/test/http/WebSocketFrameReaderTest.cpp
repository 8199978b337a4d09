#include "http/WebSocketFrameReader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::http {
namespace {

using Kind = WebSocketFrameReader::Kind;

// A client frame: masked with a fixed key, length in the shortest form unless forced.
std::string clientFrame(unsigned char first, std::string_view payload, int lengthBytes = -1) {
  std::string out(1, static_cast<char>(first));
  const std::size_t n = payload.size();
  if (lengthBytes < 0) lengthBytes = n < 126 ? 0 : n <= 0xFFFF ? 2 : 8;
  if (lengthBytes == 0) {
    out += static_cast<char>(0x80 | n);
  } else if (lengthBytes == 2) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int i = 0; i < 8; ++i)
      out += static_cast<char>(static_cast<std::uint64_t>(n) >> (56 - 8 * i));
  }
  const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
  out.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(payload[i] ^ key[i % 4]);
  return out;
}

struct Seen {
  Kind kind;
  bool binary;
  std::string payload;
  std::uint16_t code;
};

// Feeds `bytes` as the session does: whatever has arrived, `chunk` bytes at a time.
std::vector<Seen> readAll(std::string bytes, std::size_t chunk, std::size_t max = 1 << 20) {
  WebSocketFrameReader reader(max);
  std::vector<Seen> seen;
  std::string buffer;
  std::size_t fed = 0;
  while (true) {
    WebSocketFrameReader::Event event;
    const std::size_t used = reader.next(buffer, event);
    if (event.kind != Kind::None)
      seen.push_back({event.kind, event.binary, std::string(event.payload), event.closeCode});
    if (event.kind == Kind::Error) break;
    if (used > 0) {
      buffer.erase(0, used);
      continue;
    }
    EXPECT_LE(reader.needBytes(), max + 14);
    if (fed == bytes.size()) break;
    const std::size_t take = std::min(chunk, bytes.size() - fed);
    buffer.append(bytes, fed, take);
    fed += take;
  }
  return seen;
}

TEST(WebSocketFrameReaderTest, ReadsTheMaskedHelloOfRfc6455) {
  const unsigned char bytes[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  auto seen = readAll(std::string(reinterpret_cast<const char*>(bytes), sizeof bytes), 100);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Kind::Message);
  EXPECT_FALSE(seen[0].binary);
  EXPECT_EQ(seen[0].payload, "Hello");
}

TEST(WebSocketFrameReaderTest, SameEventsWhateverTheBytesArriveIn) {
  std::string stream = clientFrame(0x82, std::string(300, 'a')) +    // 16-bit length
                       clientFrame(0x01, "Hel") +                    // text, first fragment
                       clientFrame(0x89, "ping!") +                  // ping between fragments
                       clientFrame(0x80, "lo") +                     // final fragment
                       clientFrame(0x82, std::string(70000, 'b')) +  // 64-bit length
                       clientFrame(0x8A, "") +                       // pong
                       clientFrame(0x88, std::string("\x03\xE8"
                                                     "bye",
                                                     5));
  for (std::size_t chunk : {1u, 7u, 4096u, 1u << 20}) {
    auto seen = readAll(stream, chunk);
    ASSERT_EQ(seen.size(), 6u) << "chunk " << chunk;
    EXPECT_EQ(seen[0].kind, Kind::Message);
    EXPECT_TRUE(seen[0].binary);
    EXPECT_EQ(seen[0].payload, std::string(300, 'a'));
    EXPECT_EQ(seen[1].kind, Kind::Ping);
    EXPECT_EQ(seen[1].payload, "ping!");
    EXPECT_EQ(seen[2].kind, Kind::Message);
    EXPECT_FALSE(seen[2].binary);
    EXPECT_EQ(seen[2].payload, "Hello");
    EXPECT_EQ(seen[3].payload, std::string(70000, 'b'));
    EXPECT_EQ(seen[4].kind, Kind::Pong);
    EXPECT_EQ(seen[5].kind, Kind::Close);
    EXPECT_EQ(seen[5].code, 1000);
    EXPECT_EQ(seen[5].payload, "bye");
  }
}

TEST(WebSocketFrameReaderTest, ACloseWithoutBodyReports1005) {
  auto seen = readAll(clientFrame(0x88, ""), 64);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Kind::Close);
  EXPECT_EQ(seen[0].code, 1005);
}

void expectError(const std::string& bytes, std::uint16_t code, std::size_t max = 1 << 20) {
  auto seen = readAll(bytes, 1 << 20, max);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().kind, Kind::Error);
  EXPECT_EQ(seen.back().code, code) << seen.back().payload;
}

TEST(WebSocketFrameReaderTest, RefusesWhatRfc6455Forbids) {
  std::string unmasked = clientFrame(0x82, "x");
  unmasked[1] = static_cast<char>(unmasked[1] & 0x7F);
  expectError(unmasked, 1002);
  expectError(clientFrame(0xC2, "x"), 1002);                           // RSV1 without an extension
  expectError(clientFrame(0x83, "x"), 1002);                           // reserved data opcode
  expectError(clientFrame(0x8B, "x"), 1002);                           // reserved control opcode
  expectError(clientFrame(0x09, "x"), 1002);                           // fragmented ping
  expectError(clientFrame(0x89, std::string(126, 'p')), 1002);         // control frame over 125
  expectError(clientFrame(0x80, "x"), 1002);                           // continuation of nothing
  expectError(clientFrame(0x02, "x") + clientFrame(0x82, "y"), 1002);  // message inside one
  expectError(clientFrame(0x88, "\x03"), 1002);                        // close of one byte
  expectError(clientFrame(0x88, std::string("\x03\xED", 2)), 1002);    // 1005 may not be sent
  expectError(clientFrame(0x88, std::string("\x13\x88", 2)), 1002);    // 5000
  expectError(clientFrame(0x81, "\xC0\x80"), 1007);                    // overlong text
  expectError(clientFrame(0x88, std::string("\x03\xE8\xFF", 3)), 1007);  // reason not UTF-8
  // A 64-bit length with its top bit set.
  std::string huge = clientFrame(0x82, "", 8);
  huge[2] = static_cast<char>(0x80);
  expectError(huge, 1002);
}

TEST(WebSocketFrameReaderTest, BinaryMayHoldAnyBytes) {
  auto seen = readAll(clientFrame(0x82, "\xC0\x80\xFF"), 64);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Kind::Message);
  EXPECT_EQ(seen[0].payload, "\xC0\x80\xFF");
}

TEST(WebSocketFrameReaderTest, RefusesAnOversizeMessageFromItsHeaderAlone) {
  // Only the header arrives: the reader must not ask to buffer the declared megabyte.
  std::string header = clientFrame(0x82, std::string(1 << 20, 'z')).substr(0, 14);
  WebSocketFrameReader reader(1000);
  WebSocketFrameReader::Event event;
  EXPECT_EQ(reader.next(header, event), 0u);
  EXPECT_EQ(event.kind, Kind::Error);
  EXPECT_EQ(event.closeCode, 1009);
  EXPECT_TRUE(reader.failed());
  EXPECT_EQ(reader.next(header, event), 0u) << "stays failed";
  EXPECT_EQ(event.kind, Kind::None);
}

TEST(WebSocketFrameReaderTest, CountsFragmentsAgainstTheLimit) {
  expectError(clientFrame(0x02, std::string(600, 'a')) + clientFrame(0x80, std::string(600, 'b')),
              1009, 1000);
  auto seen =
      readAll(clientFrame(0x02, std::string(500, 'a')) + clientFrame(0x80, std::string(500, 'b')),
              64, 1000);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].payload.size(), 1000u) << "exactly the limit is allowed";
}

TEST(WebSocketFrameReaderTest, ValidatesUtf8AsRfc3629Does) {
  EXPECT_TRUE(WebSocketFrameReader::isValidUtf8(""));
  EXPECT_TRUE(WebSocketFrameReader::isValidUtf8("plain ascii"));
  EXPECT_TRUE(WebSocketFrameReader::isValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_TRUE(WebSocketFrameReader::isValidUtf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_FALSE(WebSocketFrameReader::isValidUtf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(WebSocketFrameReader::isValidUtf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(WebSocketFrameReader::isValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(WebSocketFrameReader::isValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(WebSocketFrameReader::isValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(WebSocketFrameReader::isValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(WebSocketFrameReader::isValidUtf8("\xF8\x88\x80\x80\x80"));
}

}  // namespace
}  // namespace parley::http
