#include "core/Base64.h"

#include <array>
#include <cstdint>

namespace parley::core {

namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafe =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t kInvalid = 0xFF;

// Reverse table for one alphabet; with `lenient` both spellings of 62 and 63 map.
constexpr std::array<std::uint8_t, 256> makeTable(std::string_view alphabet, bool lenient) {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  if (lenient) {
    table['+'] = table['-'] = 62;
    table['/'] = table['_'] = 63;
  }
  return table;
}

constexpr auto kStandardTable = makeTable(kStandard, false);
constexpr auto kUrlSafeTable = makeTable(kUrlSafe, false);
constexpr auto kLenientTable = makeTable(kStandard, true);

}  // namespace

std::string Base64::encode(std::string_view bytes, Alphabet alphabet, bool pad) {
  const std::string_view chars = alphabet == Alphabet::Standard ? kStandard : kUrlSafe;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += chars[(n >> 18) & 63];
    out += chars[(n >> 12) & 63];
    out += chars[(n >> 6) & 63];
    out += chars[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t n = byte(i) << 16;
    out += chars[(n >> 18) & 63];
    out += chars[(n >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8;
    out += chars[(n >> 18) & 63];
    out += chars[(n >> 12) & 63];
    out += chars[(n >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

std::optional<std::string> Base64::decode(std::string_view text, Alphabet alphabet, bool lenient) {
  const auto& table = lenient                          ? kLenientTable
                      : alphabet == Alphabet::Standard ? kStandardTable
                                                       : kUrlSafeTable;
  // Padding is optional, but when present it must complete the last quantum exactly.
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 0 && text.size() % 4 != 0) return std::nullopt;
  const std::string_view body = text.substr(0, text.size() - padding);
  // One leftover character cannot encode a whole byte.
  if (body.size() % 4 == 1) return std::nullopt;

  std::string out;
  out.reserve(body.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : body) {
    const std::uint8_t v = table[static_cast<unsigned char>(ch)];
    if (v == kInvalid) return std::nullopt;  // includes a '=' in the middle
    acc = ((acc << 6) | v) & 0xFFFu;         // at most 12 live bits
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Encoders always leave the unused low bits zero; anything else is not canonical and
  // would let two different strings stand for the same bytes.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace parley::core
