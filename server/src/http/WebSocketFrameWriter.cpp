#include "http/WebSocketFrameWriter.h"

namespace parley::http {

std::size_t WebSocketFrameWriter::frameBytes(std::size_t payloadBytes) {
  const std::size_t header = payloadBytes < 126 ? 2 : payloadBytes <= 0xFFFF ? 4 : 10;
  return header + payloadBytes;
}

void WebSocketFrameWriter::append(std::string& out, Opcode opcode, std::string_view payload) {
  char header[10];
  std::size_t headerBytes = 2;
  header[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));  // FIN
  const std::uint64_t size = payload.size();
  if (size < 126) {
    header[1] = static_cast<char>(size);
  } else if (size <= 0xFFFF) {
    header[1] = 126;
    header[2] = static_cast<char>(size >> 8);
    header[3] = static_cast<char>(size);
    headerBytes = 4;
  } else {
    header[1] = 127;
    for (int i = 0; i < 8; ++i) header[2 + i] = static_cast<char>(size >> (56 - 8 * i));
    headerBytes = 10;
  }
  out.append(header, headerBytes);
  out.append(payload);
}

void WebSocketFrameWriter::appendClose(std::string& out, std::uint16_t code) {
  const char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  append(out, Opcode::Close, std::string_view(body, 2));
}

}  // namespace parley::http
