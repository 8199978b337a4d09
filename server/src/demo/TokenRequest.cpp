#include "demo/TokenRequest.h"

#include <cstdint>

namespace parley::demo {

namespace {

core::Result<TokenRequest> invalid(std::string message) {
  return core::Result<TokenRequest>::fail(core::Error::Code::Invalid, std::move(message));
}

bool isRoomChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '~' || c == '-';
}

// Decodes the code point starting at s[i] and advances i; nullopt on invalid UTF-8
// (overlong forms, surrogates and values above U+10FFFF included).
std::optional<std::uint32_t> nextCodePoint(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if (lead < 0x80) {
    ++i;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + length > s.size()) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += length;
  return cp;
}

bool isControl(std::uint32_t cp) {
  // C0, DEL, C1, and the line/paragraph separators that break a line of text.
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

}  // namespace

bool TokenRequest::isValidRoomName(std::string_view room) {
  if (room.empty() || room.size() > kMaxRoomLength) return false;
  for (char c : room)
    if (!isRoomChar(c)) return false;
  return true;
}

bool TokenRequest::isValidDisplayName(std::string_view name) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < name.size();) {
    const auto cp = nextCodePoint(name, i);
    if (!cp || isControl(*cp)) return false;
    if (++count > kMaxNameLength) return false;
  }
  return count > 0;
}

core::Result<TokenRequest> TokenRequest::parse(const FieldLookup& field) {
  TokenRequest request;
  const auto room = field("room");
  if (!room || !isValidRoomName(*room))
    return invalid("room must be 1 to 64 characters of A-Z a-z 0-9 . _ ~ -");
  request.room = *room;

  const auto name = field("name");
  if (!name || !isValidDisplayName(*name))
    return invalid("name must be 1 to 64 characters of text without control characters");
  request.displayName = *name;

  if (const auto role = field("role"); role && !role->empty()) {
    const auto parsed = core::parseRole(*role);
    if (!parsed) return invalid("role must be publisher, moderator, subscriber or publisheronly");
    request.role = *parsed;
  }
  if (const auto mode = field("mediaMode"); mode && !mode->empty()) {
    const auto parsed = core::parseMediaMode(*mode);
    if (!parsed) return invalid("mediaMode must be routed or relayed");
    request.mediaModeIfNew = *parsed;
  }
  return request;
}

}  // namespace parley::demo
