#include "http/WebSocketFrameWriter.h"

namespace parley::http {

std::size_t WebSocketFrameWriter::frameBytes(std::size_t payloadBytes) {
  const std::size_t header = payloadBytes < 126 ? 2 : payloadBytes <= 0xFFFF ? 4 : 10;
  return header + payloadBytes;
}

std::size_t WebSocketFrameWriter::header(Opcode opcode, std::size_t payloadBytes, char* out) {
  out[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));  // FIN
  const std::uint64_t size = payloadBytes;
  if (size < 126) {
    out[1] = static_cast<char>(size);
    return 2;
  }
  if (size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<char>(size >> 8);
    out[3] = static_cast<char>(size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>(size >> (56 - 8 * i));
  return 10;
}

void WebSocketFrameWriter::append(std::string& out, Opcode opcode, std::string_view payload) {
  char head[kMaxHeaderBytes];
  out.append(head, header(opcode, payload.size(), head));
  out.append(payload);
}

void WebSocketFrameWriter::appendClose(std::string& out, std::uint16_t code) {
  const char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  append(out, Opcode::Close, std::string_view(body, 2));
}

}  // namespace parley::http
