#include "core/SessionId.h"

#include <vector>

#include "core/Base64.h"
#include "core/Crypto.h"

namespace parley::core {

namespace {

bool isPrintableAscii(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

std::string SessionId::generate(std::string_view apiKey, std::string_view location,
                                std::int64_t createdAtMs, bool relayed) {
  // 18 random bytes give exactly 24 base64 characters without padding, like the random
  // part of current OpenTok IDs (which may contain '+' and '/').
  const std::string random = Base64::encode(Crypto::randomBytes(18));
  std::string plain = "1~";
  plain.append(apiKey).append("~").append(location).append("~");
  plain.append(std::to_string(createdAtMs)).append("~").append(random).append("~");
  plain.append(relayed ? "P~" : "~");
  return "1_" + Base64::encode(plain, Base64::Alphabet::UrlSafe, false);
}

std::optional<SessionId::Parts> SessionId::decode(std::string_view sessionId) {
  if (sessionId.size() > kMaxLength || sessionId.size() < 3) return std::nullopt;
  // The two-character prefix is a version marker ("1_", "2_"…); the payload of every
  // known ID starts with "1~" regardless.
  if (sessionId[0] < '0' || sessionId[0] > '9' || sessionId[1] != '_') return std::nullopt;
  // The SDKs map '-'/'_' back to '+'/'/' before decoding, so accept both alphabets.
  const auto plain = Base64::decode(sessionId.substr(2), Base64::Alphabet::UrlSafe, true);
  if (!plain || !isPrintableAscii(*plain)) return std::nullopt;

  // "1~key~location~created~random~flags~" — old Ruby-era IDs stop after the random
  // field, so flags (and anything after them) are optional.
  const auto fields = split(*plain, '~');
  if (fields.size() < 5) return std::nullopt;
  if (!isDigits(fields[0]) || fields[0].size() > 3) return std::nullopt;
  if (fields[1].empty()) return std::nullopt;

  Parts parts;
  parts.apiKey = fields[1];
  parts.location = fields[2];
  parts.createdAt = fields[3];
  parts.random = fields[4];
  if (fields.size() > 5) parts.flags = fields[5];
  return parts;
}

}  // namespace parley::core
