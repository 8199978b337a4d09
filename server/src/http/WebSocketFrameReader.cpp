#include "http/WebSocketFrameReader.h"

#include <cstring>

namespace parley::http {

namespace {

constexpr unsigned kContinuation = 0x0;
constexpr unsigned kText = 0x1;
constexpr unsigned kBinary = 0x2;
constexpr unsigned kClose = 0x8;
constexpr unsigned kPing = 0x9;
constexpr unsigned kPong = 0xA;

constexpr std::uint16_t kProtocolError = 1002;
constexpr std::uint16_t kInvalidData = 1007;
constexpr std::uint16_t kTooBig = 1009;

// Close codes a peer may send (RFC 6455 §7.4.1 and the IANA registry); 1004-1006 and 1015
// are reserved for reporting and must not appear on the wire.
bool isSendableCloseCode(unsigned code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

void unmask(char* data, std::size_t size, const unsigned char key[4]) {
  // Word at a time: the key repeats every four bytes, so a 32-bit XOR of an aligned-size
  // chunk applies it exactly; the tail is done byte by byte.
  std::uint32_t word;
  std::memcpy(&word, key, 4);
  std::size_t i = 0;
  for (; i + 4 <= size; i += 4) {
    std::uint32_t chunk;
    std::memcpy(&chunk, data + i, 4);
    chunk ^= word;
    std::memcpy(data + i, &chunk, 4);
  }
  for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ static_cast<char>(key[i & 3]));
}

}  // namespace

bool WebSocketFrameReader::isValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t length;
    unsigned char low = 0x80;   // bounds of the second byte, which rule out overlong
    unsigned char high = 0xBF;  // forms, surrogates and code points past U+10FFFF
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) < length) return false;
    if (p[1] < low || p[1] > high) return false;
    for (std::size_t i = 2; i < length; ++i)
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    p += length;
  }
  return true;
}

void WebSocketFrameReader::releaseMemory() {
  if (!inMessage_) std::string().swap(fragments_);
}

std::size_t WebSocketFrameReader::fail(Event& event, std::uint16_t code, std::string_view why) {
  failed_ = true;
  inMessage_ = false;
  fragments_.clear();
  event.kind = Kind::Error;
  event.closeCode = code;
  event.payload = why;
  return 0;
}

std::size_t WebSocketFrameReader::next(std::span<char> input, Event& event) {
  event = Event{};
  if (failed_) return 0;
  // A joined message was handed out on the previous call; its bytes are no longer needed.
  if (!inMessage_ && !fragments_.empty()) fragments_.clear();
  need_ = 2;
  if (input.size() < 2) return 0;

  const auto b0 = static_cast<unsigned char>(input[0]);
  const auto b1 = static_cast<unsigned char>(input[1]);
  const bool fin = (b0 & 0x80) != 0;
  const unsigned opcode = b0 & 0x0F;
  const unsigned length7 = b1 & 0x7F;
  if ((b0 & 0x70) != 0) return fail(event, kProtocolError, "reserved bits set");
  if ((b1 & 0x80) == 0) return fail(event, kProtocolError, "unmasked client frame");
  const bool control = (opcode & 0x8) != 0;
  if (opcode != kContinuation && opcode != kText && opcode != kBinary && opcode != kClose &&
      opcode != kPing && opcode != kPong)
    return fail(event, kProtocolError, "unknown opcode");
  if (control && (!fin || length7 > 125))
    return fail(event, kProtocolError, "fragmented or oversized control frame");

  const std::size_t lengthBytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
  const std::size_t headerBytes = 2 + lengthBytes + 4;
  if (input.size() < headerBytes) {
    need_ = headerBytes;
    return 0;
  }
  std::uint64_t length = length7;
  if (lengthBytes) {
    length = 0;
    for (std::size_t i = 0; i < lengthBytes; ++i)
      length = (length << 8) | static_cast<unsigned char>(input[2 + i]);
    if (lengthBytes == 8 && (length >> 63) != 0)
      return fail(event, kProtocolError, "frame length out of range");
  }

  if (!control) {
    if (opcode == kContinuation && !inMessage_)
      return fail(event, kProtocolError, "continuation without a message");
    if (opcode != kContinuation && inMessage_)
      return fail(event, kProtocolError, "new message inside a fragmented one");
    const std::uint64_t held = inMessage_ ? fragments_.size() : 0;
    if (length > maxMessage_ || held + length > maxMessage_)
      return fail(event, kTooBig, "message too big");
  }
  const std::size_t frameBytes = headerBytes + static_cast<std::size_t>(length);
  if (input.size() < frameBytes) {
    need_ = frameBytes;
    return 0;
  }

  unsigned char key[4];
  std::memcpy(key, input.data() + 2 + lengthBytes, 4);
  char* payload = input.data() + headerBytes;
  const auto payloadSize = static_cast<std::size_t>(length);
  unmask(payload, payloadSize, key);
  std::string_view body(payload, payloadSize);

  switch (opcode) {
    case kPing:
      event.kind = Kind::Ping;
      event.payload = body;
      return frameBytes;
    case kPong:
      event.kind = Kind::Pong;
      event.payload = body;
      return frameBytes;
    case kClose: {
      if (payloadSize == 1) return fail(event, kProtocolError, "close frame of one byte");
      event.kind = Kind::Close;
      event.closeCode = 1005;
      if (payloadSize >= 2) {
        const unsigned code =
            (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
        if (!isSendableCloseCode(code)) return fail(event, kProtocolError, "invalid close code");
        event.closeCode = static_cast<std::uint16_t>(code);
        event.payload = body.substr(2);
        if (!isValidUtf8(event.payload))
          return fail(event, kInvalidData, "close reason is not UTF-8");
      }
      return frameBytes;
    }
    default:
      break;
  }

  if (opcode != kContinuation) {
    messageBinary_ = opcode == kBinary;
    if (fin) {
      if (!messageBinary_ && !isValidUtf8(body))
        return fail(event, kInvalidData, "text message is not UTF-8");
      event.kind = Kind::Message;
      event.binary = messageBinary_;
      event.payload = body;
      return frameBytes;
    }
    inMessage_ = true;
    fragments_.assign(body);
    return frameBytes;
  }
  fragments_.append(body);
  if (!fin) return frameBytes;
  inMessage_ = false;
  if (!messageBinary_ && !isValidUtf8(fragments_))
    return fail(event, kInvalidData, "text message is not UTF-8");
  event.kind = Kind::Message;
  event.binary = messageBinary_;
  event.payload = fragments_;
  return frameBytes;
}

}  // namespace parley::http
