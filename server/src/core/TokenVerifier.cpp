#include "core/TokenVerifier.h"

#include <charconv>

#include "core/Base64.h"
#include "core/Crypto.h"
#include "core/FormData.h"
#include "core/Jwt.h"
#include "core/SessionId.h"

namespace parley::core {

namespace {

constexpr std::string_view kT1Sentinel = "T1==";
constexpr std::string_view kScope = "session.connect";
// Times beyond this (year ~33658) are nonsense; bounding them keeps the arithmetic
// below free of overflow whatever a token claims.
constexpr std::int64_t kMaxTime = 1'000'000'000'000;
// SDKs round "now" differently (Node rounds, Ruby and Python truncate) and take it at
// slightly different moments for create and expire times, so a token minted with the
// documented maximum of 30 days can come out a second or so longer.
constexpr std::int64_t kLifetimeSlack = 60;

using Code = Error::Code;

Result<ClientToken> fail(Code code, std::string message) {
  return Result<ClientToken>::fail(code, std::move(message));
}

// The claims both formats carry, before the rules are applied.
struct Claims {
  ClientToken::Format format = ClientToken::Format::Jwt;
  std::string apiKey;
  std::string sessionId;
  std::optional<std::string> role;
  std::optional<std::string> scope;
  std::int64_t createTime = 0;
  std::optional<std::int64_t> expireTime;
  std::string connectionData;
  std::string layoutClassList;
};

// Counts code points of valid UTF-8; nullopt when the bytes are not UTF-8 (connection
// data is relayed to browsers inside JSON, so it has to be text).
std::optional<std::size_t> utf8Length(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return std::nullopt;
    }
    if (s.size() - i < len) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    i += len;
    ++count;
  }
  return count;
}

// Applies the rules shared by T1 and JWT tokens.
Result<ClientToken> finish(Claims c, std::int64_t now) {
  ClientToken token;
  token.format = c.format;

  Role role = Role::Publisher;  // the SDK default when a token names none
  if (c.role) {
    auto parsed = parseRole(*c.role);
    if (!parsed) return fail(Code::Invalid, "unknown role");
    role = *parsed;
  }
  if (c.scope && *c.scope != kScope)
    return fail(Code::Invalid, "token scope is not session.connect");

  if (c.createTime < 0 || c.createTime > kMaxTime)
    return fail(Code::Invalid, "create time out of range");
  if (c.expireTime && (*c.expireTime < 0 || *c.expireTime > kMaxTime))
    return fail(Code::Invalid, "expire time out of range");
  if (c.createTime > now + TokenVerifier::kClockSkew)
    return fail(Code::Expired, "token not yet valid");
  const std::int64_t expire = c.expireTime.value_or(c.createTime + TokenVerifier::kDefaultLifetime);
  if (expire - c.createTime > TokenVerifier::kMaxLifetime + kLifetimeSlack)
    return fail(Code::Invalid, "token lifetime exceeds 30 days");
  if (expire <= now) return fail(Code::Expired, "token expired");

  const auto dataLength = utf8Length(c.connectionData);
  if (!dataLength) return fail(Code::Invalid, "connection data is not UTF-8");
  if (*dataLength > TokenVerifier::kMaxConnectionData)
    return fail(Code::Invalid, "connection data too long");
  const auto layoutLength = utf8Length(c.layoutClassList);
  if (!layoutLength) return fail(Code::Invalid, "initial layout class list is not UTF-8");
  if (*layoutLength > TokenVerifier::kMaxLayoutClassList)
    return fail(Code::Invalid, "initial layout class list too long");

  const auto session = SessionId::decode(c.sessionId);
  if (!session) return fail(Code::Invalid, "token session ID is not valid");
  if (session->apiKey != c.apiKey)
    return fail(Code::Invalid, "token session belongs to another project");

  token.apiKey = std::move(c.apiKey);
  token.sessionId = std::move(c.sessionId);
  token.role = role;
  token.createTime = c.createTime;
  token.expireTime = expire;
  token.connectionData = std::move(c.connectionData);
  token.initialLayoutClassList = std::move(c.layoutClassList);
  return token;
}

// T1 times: decimal seconds; a fractional part (a caller-supplied expire time the SDK
// did not round) is truncated.
std::optional<std::int64_t> parseSeconds(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  if (whole.empty() || whole.size() > 18) return std::nullopt;
  for (char ch : whole)
    if (ch < '0' || ch > '9') return std::nullopt;
  if (dot != std::string_view::npos) {
    const std::string_view frac = s.substr(dot + 1);
    if (frac.empty()) return std::nullopt;
    for (char ch : frac)
      if (ch < '0' || ch > '9') return std::nullopt;
  }
  std::int64_t v = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), v);
  return v;
}

Result<ClientToken> verifyT1(std::string_view token, const TokenVerifier::SecretLookup& secretFor,
                             std::int64_t now) {
  // Node and Ruby pad, but be liberal: the signature is what protects the content.
  const auto decoded =
      Base64::decode(token.substr(kT1Sentinel.size()), Base64::Alphabet::Standard, true);
  if (!decoded) return fail(Code::Malformed, "T1 token is not base64");
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return fail(Code::Malformed, "T1 token has no ':'");
  const std::string_view meta = std::string_view(*decoded).substr(0, colon);
  // Signed bytes exactly as received: SDKs encode spaces differently, so never re-encode.
  const std::string_view data = std::string_view(*decoded).substr(colon + 1);

  const auto metaForm = FormData::parse(meta);
  if (!metaForm || metaForm->count("partner_id") != 1 || metaForm->count("sig") != 1)
    return fail(Code::Malformed, "T1 token lacks partner_id or sig");
  std::string apiKey = *metaForm->get("partner_id");
  std::string sig = *metaForm->get("sig");
  if (apiKey.empty()) return fail(Code::Malformed, "T1 token has an empty partner_id");

  const auto secret = secretFor(apiKey);
  if (!secret) return fail(Code::UnknownProject, "unknown API key");
  for (char& ch : sig)
    if (ch >= 'A' && ch <= 'F') ch = static_cast<char>(ch - 'A' + 'a');
  if (!Crypto::constantTimeEquals(Crypto::toHex(Crypto::hmacSha1(*secret, data)), sig))
    return fail(Code::BadSignature, "token signature does not match");

  const auto form = FormData::parse(data);
  if (!form) return fail(Code::Malformed, "T1 token data is not form-encoded");
  for (std::string_view name : {"session_id", "create_time", "expire_time", "role", "scope",
                                "connection_data", "initial_layout_class_list"}) {
    if (form->count(name) > 1) return fail(Code::Malformed, "T1 token repeats a field");
  }

  Claims c;
  c.format = ClientToken::Format::T1;
  c.apiKey = std::move(apiKey);
  auto sessionId = form->get("session_id");
  if (!sessionId) return fail(Code::Malformed, "T1 token lacks session_id");
  c.sessionId = std::move(*sessionId);
  const auto createText = form->get("create_time");
  const auto create = createText ? parseSeconds(*createText) : std::nullopt;
  if (!create) return fail(Code::Malformed, "T1 token lacks a valid create_time");
  c.createTime = *create;
  if (const auto expireText = form->get("expire_time")) {
    c.expireTime = parseSeconds(*expireText);
    if (!c.expireTime) return fail(Code::Malformed, "T1 token has an invalid expire_time");
  }
  c.role = form->get("role");
  c.scope = form->get("scope");
  c.connectionData = form->get("connection_data").value_or("");
  c.layoutClassList = form->get("initial_layout_class_list").value_or("");
  return finish(std::move(c), now);
}

// A JSON time claim: integer seconds (fractions truncated). nullopt when not a number.
std::optional<std::int64_t> timeClaim(const Json& payload, std::string_view name) {
  return payload.getInt(name);
}

Result<ClientToken> verifyJwt(std::string_view token, const TokenVerifier::SecretLookup& secretFor,
                              std::int64_t now) {
  std::string why;
  const auto jwt = Jwt::parse(token, &why);
  if (!jwt) return fail(Code::Malformed, why);
  const Json& payload = jwt->payload();

  // Refuse other algorithms before anything else: "none" and asymmetric algorithms
  // must never reach a signature check keyed by our secret.
  if (jwt->header().getString("alg") != std::optional<std::string>("HS256"))
    return fail(Code::Invalid, "unsupported JWT algorithm (only HS256)");

  // iss is a string in every SDK; accept a JSON integer too (numeric API keys).
  Claims c;
  c.format = ClientToken::Format::Jwt;
  if (auto iss = payload.getString("iss")) {
    c.apiKey = std::move(*iss);
  } else if (const Json* n = payload.find("iss"); n && n->isInteger() && n->asInt() >= 0) {
    c.apiKey = std::to_string(n->asInt());
  }
  if (c.apiKey.empty()) return fail(Code::Malformed, "JWT lacks iss");

  const auto secret = secretFor(c.apiKey);
  if (!secret) return fail(Code::UnknownProject, "unknown API key");
  if (!jwt->verifyHs256(*secret)) return fail(Code::BadSignature, "token signature does not match");

  if (const Json* ist = payload.find("ist");
      ist && !(ist->isString() && ist->asString() == "project"))
    return fail(Code::Invalid, "token issuer type is not project");

  auto stringClaim = [&](std::string_view name, std::optional<std::string>& out) {
    const Json* v = payload.find(name);
    if (!v || v->isNull()) return true;
    if (!v->isString()) return false;
    out = v->asString();
    return true;
  };
  std::optional<std::string> sessionId, data, layout;
  if (!stringClaim("session_id", sessionId) || !sessionId)
    return fail(Code::Malformed, "JWT lacks session_id");
  if (!stringClaim("role", c.role) || !stringClaim("scope", c.scope) ||
      !stringClaim("connection_data", data) || !stringClaim("initial_layout_class_list", layout))
    return fail(Code::Malformed, "JWT claim of the wrong type");
  c.sessionId = std::move(*sessionId);
  c.connectionData = data.value_or("");
  c.layoutClassList = layout.value_or("");

  // Node sends create_time and iat; Ruby and Python only iat.
  for (std::string_view name : {"create_time", "iat", "exp", "expire_time"}) {
    if (payload.contains(name) && !timeClaim(payload, name))
      return fail(Code::Malformed, "JWT time claim is not a number");
  }
  auto create = timeClaim(payload, "create_time");
  if (!create) create = timeClaim(payload, "iat");
  if (!create) return fail(Code::Malformed, "JWT lacks iat");
  c.createTime = *create;
  // Ruby omits exp unless the caller chose one; finish() then applies the 24 h default.
  c.expireTime = timeClaim(payload, "exp");
  if (!c.expireTime) c.expireTime = timeClaim(payload, "expire_time");
  return finish(std::move(c), now);
}

}  // namespace

Result<ClientToken> TokenVerifier::verify(std::string_view token, const SecretLookup& secretFor,
                                          std::int64_t nowSeconds) {
  if (token.empty()) return fail(Code::Malformed, "empty token");
  if (token.size() > kMaxTokenLength) return fail(Code::Malformed, "token too long");
  if (token.substr(0, kT1Sentinel.size()) == kT1Sentinel)
    return verifyT1(token, secretFor, nowSeconds);
  return verifyJwt(token, secretFor, nowSeconds);
}

}  // namespace parley::core
