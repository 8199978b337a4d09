#include "core/RestAuth.h"

#include "core/Jwt.h"

namespace parley::core {

namespace {

using Code = Error::Code;
// See TokenVerifier.cpp: bounded times keep the arithmetic overflow-free.
constexpr std::int64_t kMaxTime = 1'000'000'000'000;

Result<std::string> fail(Code code, std::string message) {
  return Result<std::string>::fail(code, std::move(message));
}

// `ist` may sit in the header (Ruby) or the payload (Node, Python) or be missing; where
// present it must name a project (application tokens are a different scheme).
bool istAcceptable(const Json* ist) {
  return !ist || (ist->isString() && ist->asString() == "project");
}

}  // namespace

Result<std::string> RestAuth::verify(std::string_view jwt,
                                     const TokenVerifier::SecretLookup& secretFor,
                                     std::int64_t nowSeconds) {
  if (jwt.empty()) return fail(Code::Malformed, "missing X-OPENTOK-AUTH token");
  std::string why;
  const auto token = Jwt::parse(jwt, &why);
  if (!token) return fail(Code::Malformed, why);
  if (token->header().getString("alg") != std::optional<std::string>("HS256"))
    return fail(Code::Invalid, "unsupported JWT algorithm (only HS256)");

  const Json& payload = token->payload();
  std::string apiKey;
  if (auto iss = payload.getString("iss")) {
    apiKey = std::move(*iss);
  } else if (const Json* n = payload.find("iss"); n && n->isInteger() && n->asInt() >= 0) {
    apiKey = std::to_string(n->asInt());  // a key passed as a number by the caller's code
  }
  if (apiKey.empty()) return fail(Code::Malformed, "JWT lacks iss");

  const auto secret = secretFor(apiKey);
  if (!secret) return fail(Code::UnknownProject, "Issuer not found");
  if (!token->verifyHs256(*secret)) return fail(Code::BadSignature, "invalid signature");

  if (!istAcceptable(token->header().find("ist")) || !istAcceptable(payload.find("ist")))
    return fail(Code::Invalid, "issuer type is not project");
  // A client token is signed with the same secret and handed to every participant: it
  // opens one session with one role, never the project's REST API.
  if (payload.find("scope") || payload.find("session_id") || payload.find("role"))
    return fail(Code::Invalid, "a client token is not a REST credential");

  const auto iat = payload.getInt("iat");
  const auto exp = payload.getInt("exp");
  if (!iat || !exp) return fail(Code::Invalid, "JWT lacks iat or exp");
  if (*iat < 0 || *iat > kMaxTime || *exp < 0 || *exp > kMaxTime)
    return fail(Code::Invalid, "JWT time out of range");
  if (*exp - *iat > kMaxLifetime + kClockSkew) return fail(Code::Invalid, "JWT lifetime too long");
  if (*iat > nowSeconds + kClockSkew) return fail(Code::Expired, "token not yet valid");
  // The same leeway on expiry: SDK hosts' clocks drift from ours in both directions.
  if (nowSeconds >= *exp + kClockSkew) return fail(Code::Expired, "token expired");
  return apiKey;
}

}  // namespace parley::core
