// TokenVerifier::verify on arbitrary input. Keys "47665971" and "12345678" are known.
// A fuzzer cannot forge MACs, so the first byte picks a mode: raw token, or the rest
// used as the signed T1 data / JWT payload, wrapped and signed with the known secret so
// that the claim rules behind the signature check get exercised too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/Base64.h"
#include "core/Crypto.h"
#include "core/TokenVerifier.h"

namespace {

constexpr std::string_view kKey = "47665971";
constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef01234567";
constexpr std::int64_t kNow = 1764000000;

std::optional<std::string> lookup(std::string_view key) {
  if (key == kKey) return std::string(kSecret);
  if (key == "12345678") return std::string();  // an empty secret must be handled too
  return std::nullopt;
}

std::string b64url(std::string_view s) {
  using parley::core::Base64;
  return Base64::encode(s, Base64::Alphabet::UrlSafe, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parley::core;
  static const TokenVerifier::SecretLookup secretFor = lookup;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::string token;
  switch (data[0] % 3) {
    case 0:
      token = body;
      break;
    case 1:  // body = T1 data
      token = "T1==" + Base64::encode("partner_id=" + std::string(kKey) +
                                      "&sig=" + Crypto::toHex(Crypto::hmacSha1(kSecret, body)) +
                                      ":" + std::string(body));
      break;
    default: {  // body = JWT payload
      const std::string input = b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(body);
      token = input + "." + b64url(Crypto::hmacSha256(kSecret, input));
      break;
    }
  }

  const auto result = TokenVerifier::verify(token, secretFor, kNow);
  if (result.ok()) {
    // Whatever passes must obey the documented limits.
    const auto& t = result.value();
    if (t.expireTime <= kNow || t.createTime > kNow + TokenVerifier::kClockSkew ||
        t.expireTime - t.createTime > TokenVerifier::kMaxLifetime + 60 ||
        t.connectionData.size() > 4 * TokenVerifier::kMaxConnectionData || t.apiKey.empty() ||
        t.sessionId.empty())
      std::abort();
  }
  return 0;
}
