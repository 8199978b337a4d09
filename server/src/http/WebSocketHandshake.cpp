#include "http/WebSocketHandshake.h"

#include "core/Base64.h"
#include "core/Crypto.h"

namespace parley::http {

std::optional<std::string> WebSocketHandshake::acceptValue(std::string_view clientKey) {
  while (!clientKey.empty() && (clientKey.front() == ' ' || clientKey.front() == '\t'))
    clientKey.remove_prefix(1);
  while (!clientKey.empty() && (clientKey.back() == ' ' || clientKey.back() == '\t'))
    clientKey.remove_suffix(1);
  if (clientKey.size() != 24) return std::nullopt;
  auto nonce = core::Base64::decode(clientKey);
  if (!nonce || nonce->size() != 16) return std::nullopt;
  std::string input(clientKey);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // the GUID RFC 6455 fixes
  return core::Base64::encode(core::Crypto::sha1(input));
}

std::string WebSocketHandshake::response(std::string_view acceptValue) {
  std::string out;
  out.reserve(160);
  out += "HTTP/1.1 101 Switching Protocols\r\n";
  out += "Upgrade: websocket\r\n";
  out += "Connection: Upgrade\r\n";
  out += "Sec-WebSocket-Accept: ";
  out += acceptValue;
  out += "\r\nServer: parleyd\r\n\r\n";
  return out;
}

}  // namespace parley::http
