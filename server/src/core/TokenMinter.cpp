#include "core/TokenMinter.h"

#include <charconv>
#include <cstring>

#include "core/Base64.h"
#include "core/Crypto.h"
#include "core/FormData.h"
#include "core/Json.h"
#include "core/Jwt.h"
#include "core/TokenVerifier.h"

namespace parley::core {

namespace {

// Like Node's Math.random(): a uniform double in [0, 1) with 53 random bits.
double randomNonce() {
  const std::string bytes = Crypto::randomBytes(8);
  std::uint64_t v = 0;
  std::memcpy(&v, bytes.data(), sizeof v);
  return static_cast<double>(v >> 11) / 9007199254740992.0;
}

std::string formatNonce(double nonce) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, nonce);
  return std::string(buf, res.ptr);
}

std::int64_t expireOf(const TokenMinter::Options& o) {
  return o.expireTime != 0 ? o.expireTime : o.createTime + TokenVerifier::kDefaultLifetime;
}

}  // namespace

std::string TokenMinter::jwt(std::string_view apiKey, std::string_view secret,
                             std::string_view sessionId, const Options& options) {
  const std::int64_t expire = expireOf(options);
  // Claim order of the Node SDK: its fixed claims, then the token data in pick() order.
  Json payload = Json::object();
  payload.set("iss", Json(apiKey));
  payload.set("ist", "project");
  payload.set("iat", Json(static_cast<long long>(options.createTime)));
  payload.set("exp", Json(static_cast<long long>(expire)));
  payload.set("session_id", Json(sessionId));
  payload.set("create_time", Json(static_cast<long long>(options.createTime)));
  payload.set("nonce", Json(randomNonce()));
  payload.set("role", Json(roleName(options.role)));
  payload.set("expire_time", Json(static_cast<long long>(expire)));
  if (!options.connectionData.empty()) payload.set("connection_data", options.connectionData);
  payload.set("initial_layout_class_list", options.initialLayoutClassList);
  payload.set("scope", "session.connect");
  const Json header = Json::object({{"alg", "HS256"}, {"typ", "JWT"}});
  return Jwt::signHs256(header, payload, secret);
}

std::string TokenMinter::t1(std::string_view apiKey, std::string_view secret,
                            std::string_view sessionId, const Options& options) {
  FormData data;
  data.add("session_id", std::string(sessionId));
  data.add("create_time", std::to_string(options.createTime));
  data.add("nonce", formatNonce(randomNonce()));
  data.add("role", std::string(roleName(options.role)));
  data.add("expire_time", std::to_string(expireOf(options)));
  if (!options.connectionData.empty()) data.add("connection_data", options.connectionData);
  data.add("initial_layout_class_list", options.initialLayoutClassList);
  data.add("scope", "session.connect");
  const std::string signedPart = data.toString();  // spaces become %20, as in Node
  const std::string sig = Crypto::toHex(Crypto::hmacSha1(secret, signedPart));
  const std::string plain =
      "partner_id=" + FormData::encode(apiKey) + "&sig=" + sig + ":" + signedPart;
  return "T1==" + Base64::encode(plain);
}

}  // namespace parley::core
