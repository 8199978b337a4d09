#include "core/UrlSignature.h"

#include "core/Crypto.h"

namespace parley::core {

namespace {

// Canonical decimal only (no sign, no leading zero, at most 18 digits so it fits an
// int64): the signature covers the text, so only one spelling of each time is valid.
bool parseExpires(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 18 || (s.size() > 1 && s.front() == '0')) return false;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool isLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

constexpr std::size_t kHexLength = 64;  // SHA-256

}  // namespace

std::string UrlSignature::sign(std::string_view key, std::string_view resource,
                               std::int64_t expiresUnixS) {
  std::string message(resource);
  message += '\n';
  message += std::to_string(expiresUnixS);
  return Crypto::toHex(Crypto::hmacSha256(key, message));
}

UrlSignature::Check UrlSignature::verify(std::string_view key, std::string_view resource,
                                         std::string_view expires, std::string_view signature,
                                         std::int64_t nowUnixS) {
  std::int64_t expiresAt = 0;
  if (!parseExpires(expires, expiresAt)) return Check::Invalid;
  if (signature.size() != kHexLength || !isLowerHex(signature)) return Check::Invalid;
  if (!Crypto::constantTimeEquals(sign(key, resource, expiresAt), signature)) return Check::Invalid;
  return nowUnixS > expiresAt ? Check::Expired : Check::Valid;
}

}  // namespace parley::core
