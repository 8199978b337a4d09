#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::signaling {

// One Rumor frame (docs/protocol.md §6.2): the binary message format inside each WebSocket message.
//   u32 length (frame size - 4) | u16 reserved | u8 type | u8 nAddr | nAddr × (u16 len, bytes)
//   | u8 nHdr | nHdr × (u16 klen, key, u16 vlen, value) | payload to the end
struct RumorFrame {
  enum class Type : std::uint8_t {
    Subscribe = 0,
    Unsubscribe = 1,
    Message = 2,
    Connect = 3,
    Disconnect = 4,
    Ping = 7,
    Pong = 8,
    Status = 9,
  };

  struct Limits {
    std::size_t maxFrameBytes = 256 * 1024;
    std::size_t maxAddresses = 255;
    std::size_t maxHeaders = 255;
  };

  std::uint8_t type = 0;  // raw: unknown types survive parsing so callers can answer them
  std::vector<std::string> addresses;
  std::vector<std::pair<std::string, std::string>> headers;  // in wire order
  std::string payload;

  Type knownType() const { return static_cast<Type>(type); }
  bool is(Type t) const { return type == static_cast<std::uint8_t>(t); }

  // Case-sensitive (as the client is); the last occurrence wins.
  std::optional<std::string_view> header(std::string_view key) const;
  void setHeader(std::string_view key, std::string_view value);

  // Parses one WebSocket message. The length field must match the message size.
  // On failure returns nullopt and a reason in `error`.
  static std::optional<RumorFrame> parse(std::string_view bytes, const Limits& limits,
                                         std::string* error = nullptr);
  // Serialises; addresses/headers beyond the format's limits are a programming error
  // (asserted), callers build frames from validated data.
  std::string serialize() const;
  void serializeTo(std::string& out) const;
};

}  // namespace parley::signaling
