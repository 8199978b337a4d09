#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::http {

// The server's side of the WebSocket opening handshake (RFC 6455 §4.2). The request's
// method, Upgrade and Connection headers are checked by the caller (Beast's is_upgrade);
// this checks the key and the version and writes the 101 response.
class WebSocketHandshake {
 public:
  // Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
  // nullopt when the key is not the base64 of 16 bytes, as §4.2.1 requires.
  static std::optional<std::string> acceptValue(std::string_view clientKey);
  // The only version this server speaks; others get 426 naming it (§4.4).
  static constexpr std::string_view kVersion = "13";
  // The complete 101 response (status line and headers, ending in an empty line).
  static std::string response(std::string_view acceptValue);
};

}  // namespace parley::http
