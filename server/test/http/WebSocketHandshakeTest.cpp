#include "http/WebSocketHandshake.h"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

TEST(WebSocketHandshakeTest, AnswersTheSampleKeyOfRfc6455) {
  EXPECT_EQ(WebSocketHandshake::acceptValue("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(WebSocketHandshake::acceptValue(" dGhlIHNhbXBsZSBub25jZQ== "),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
      << "optional whitespace around a header value is not part of it";
}

TEST(WebSocketHandshakeTest, RefusesKeysThatAreNotSixteenBytes) {
  EXPECT_FALSE(WebSocketHandshake::acceptValue(""));
  EXPECT_FALSE(WebSocketHandshake::acceptValue("c2hvcnQ="));                  // 5 bytes
  EXPECT_FALSE(WebSocketHandshake::acceptValue("dGhlIHNhbXBsZSBub25jZSE="));  // 17 bytes
  EXPECT_FALSE(WebSocketHandshake::acceptValue("dGhlIHNhbXBsZSBub25jZ*=="));  // not base64
  EXPECT_FALSE(WebSocketHandshake::acceptValue("dGhlIHNhbXBsZSBub25jZQ==\r\nX: y"));
}

TEST(WebSocketHandshakeTest, TheResponseSwitchesProtocols) {
  const std::string response = WebSocketHandshake::response("abc=");
  EXPECT_EQ(response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
  EXPECT_NE(response.find("\r\nUpgrade: websocket\r\n"), std::string::npos);
  EXPECT_NE(response.find("\r\nConnection: Upgrade\r\n"), std::string::npos);
  EXPECT_NE(response.find("\r\nSec-WebSocket-Accept: abc=\r\n"), std::string::npos);
  EXPECT_EQ(response.substr(response.size() - 4), "\r\n\r\n");
}

}  // namespace
}  // namespace parley::http
