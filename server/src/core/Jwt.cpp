#include "core/Jwt.h"

#include "core/Base64.h"
#include "core/Crypto.h"

namespace parley::core {

namespace {

// JWT segments carry small objects; a shallow limit keeps hostile tokens cheap.
constexpr std::size_t kMaxJsonDepth = 16;

bool fail(std::string* error, const char* why) {
  if (error) *error = why;
  return false;
}

bool decodeObject(std::string_view segment, Json& out, std::string* error, const char* what) {
  const auto bytes = Base64::decode(segment, Base64::Alphabet::UrlSafe);
  if (!bytes) return fail(error, what);
  auto json = Json::parse(*bytes, nullptr, kMaxJsonDepth);
  if (!json || !json->isObject()) return fail(error, what);
  out = std::move(*json);
  return true;
}

}  // namespace

std::optional<Jwt> Jwt::parse(std::string_view token, std::string* error) {
  if (token.size() > kMaxLength) {
    fail(error, "token too long");
    return std::nullopt;
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    fail(error, "not a compact JWS (need exactly three segments)");
    return std::nullopt;
  }
  Jwt jwt;
  if (!decodeObject(token.substr(0, dot1), jwt.header_, error, "bad JWT header") ||
      !decodeObject(token.substr(dot1 + 1, dot2 - dot1 - 1), jwt.payload_, error,
                    "bad JWT payload"))
    return std::nullopt;
  const auto signature = Base64::decode(token.substr(dot2 + 1), Base64::Alphabet::UrlSafe);
  if (!signature) {
    fail(error, "bad JWT signature encoding");
    return std::nullopt;
  }
  jwt.signingInput_ = token.substr(0, dot2);
  jwt.signature_ = *signature;
  return jwt;
}

bool Jwt::verifyHs256(std::string_view secret) const {
  // Only the algorithm we sign with: never "none", never one picked by the token.
  const auto alg = header_.getString("alg");
  if (!alg || *alg != "HS256") return false;
  return Crypto::constantTimeEquals(Crypto::hmacSha256(secret, signingInput_), signature_);
}

std::string Jwt::signHs256(const Json& header, const Json& payload, std::string_view secret) {
  std::string out = Base64::encode(header.dump(), Base64::Alphabet::UrlSafe, false);
  out += '.';
  out += Base64::encode(payload.dump(), Base64::Alphabet::UrlSafe, false);
  const std::string mac = Crypto::hmacSha256(secret, out);
  out += '.';
  out += Base64::encode(mac, Base64::Alphabet::UrlSafe, false);
  return out;
}

}  // namespace parley::core
