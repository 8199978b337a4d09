#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::http {

// Frames a WebSocket server sends (RFC 6455 §5.2): unfragmented and unmasked, appended to
// an output buffer so that many messages can leave in one write.
class WebSocketFrameWriter {
 public:
  enum class Opcode : std::uint8_t {
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA
  };

  static constexpr std::size_t kMaxHeaderBytes = 10;
  // Writes the header of a frame carrying `payloadBytes` to `out`; returns its length.
  static std::size_t header(Opcode opcode, std::size_t payloadBytes, char* out);
  static void append(std::string& out, Opcode opcode, std::string_view payload);
  // A close frame with a status code (and no reason).
  static void appendClose(std::string& out, std::uint16_t code);
  // The size of a frame carrying `payloadBytes`.
  static std::size_t frameBytes(std::size_t payloadBytes);
};

}  // namespace parley::http
