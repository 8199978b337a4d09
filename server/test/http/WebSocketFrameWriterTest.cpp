#include "http/WebSocketFrameWriter.h"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

using Opcode = WebSocketFrameWriter::Opcode;

TEST(WebSocketFrameWriterTest, UsesTheShortestLengthForm) {
  for (std::size_t n : {0u, 125u, 126u, 65535u, 65536u}) {
    std::string out;
    WebSocketFrameWriter::append(out, Opcode::Binary, std::string(n, 'x'));
    EXPECT_EQ(out.size(), WebSocketFrameWriter::frameBytes(n)) << n;
    EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x82u) << "FIN and binary";
    const auto len7 = static_cast<unsigned char>(out[1]);
    EXPECT_EQ(len7 & 0x80, 0) << "server frames are not masked";
    if (n < 126) EXPECT_EQ(len7, n);
    if (n >= 126 && n <= 65535) {
      EXPECT_EQ(len7, 126);
      EXPECT_EQ((static_cast<unsigned char>(out[2]) << 8) | static_cast<unsigned char>(out[3]),
                int(n));
    }
    if (n > 65535) EXPECT_EQ(len7, 127);
  }
}

TEST(WebSocketFrameWriterTest, AppendsFramesBackToBack) {
  std::string out;
  WebSocketFrameWriter::append(out, Opcode::Binary, "ab");
  WebSocketFrameWriter::append(out, Opcode::Pong, "p");
  WebSocketFrameWriter::appendClose(out, 1008);
  EXPECT_EQ(out, std::string("\x82\x02"
                             "ab"
                             "\x8A\x01"
                             "p"
                             "\x88\x02\x03\xF0",
                             11));
}

}  // namespace
}  // namespace parley::http
