// WebSocketFrameReader on arbitrary client bytes, fed whole and in pieces of varying size
// (as reads deliver them). Both must see the same events, nothing may exceed the message
// limit, and the reader may never ask to buffer more than one maximal frame.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "http/WebSocketFrameReader.h"

namespace {

using parley::http::WebSocketFrameReader;

constexpr std::size_t kMax = 4096;

struct Seen {
  WebSocketFrameReader::Kind kind;
  bool binary;
  std::string payload;
  std::uint16_t code;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> readAll(std::string_view input, std::string_view chunkSizes) {
  WebSocketFrameReader reader(kMax);
  std::vector<Seen> seen;
  std::string buffer;
  std::size_t fed = 0;
  std::size_t nextChunk = 0;
  while (true) {
    WebSocketFrameReader::Event event;
    const std::size_t used = reader.next(buffer, event);
    if (used > buffer.size()) __builtin_trap();
    using Kind = WebSocketFrameReader::Kind;
    if (event.kind != Kind::None) {
      if (event.kind == Kind::Message && event.payload.size() > kMax) __builtin_trap();
      if ((event.kind == Kind::Ping || event.kind == Kind::Pong) && event.payload.size() > 125)
        __builtin_trap();
      if (event.kind == Kind::Message && !event.binary &&
          !WebSocketFrameReader::isValidUtf8(event.payload))
        __builtin_trap();
      const bool isError = event.kind == Kind::Error;
      // An error's text is the reader's own; only its code is compared.
      seen.push_back({event.kind, event.binary,
                      isError ? std::string() : std::string(event.payload), event.closeCode});
      if (isError) break;
    }
    if (used > 0) {
      buffer.erase(0, used);
      continue;
    }
    if (reader.needBytes() > kMax + 14 || reader.needBytes() <= buffer.size()) __builtin_trap();
    if (fed == input.size()) break;
    std::size_t take = input.size() - fed;
    if (!chunkSizes.empty()) {
      take = std::min<std::size_t>(
          take, 1 + static_cast<unsigned char>(chunkSizes[nextChunk++ % chunkSizes.size()]));
    }
    buffer.append(input.substr(fed, take));
    fed += take;
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first byte says how many of the next bytes are chunk sizes; the rest is the stream.
  if (size == 0) return 0;
  const std::size_t sizes = std::min<std::size_t>(data[0] % 16, size - 1);
  const std::string_view chunkSizes(reinterpret_cast<const char*>(data + 1), sizes);
  const std::string_view input(reinterpret_cast<const char*>(data + 1 + sizes), size - 1 - sizes);
  if (readAll(input, {}) != readAll(input, chunkSizes)) __builtin_trap();
  return 0;
}
