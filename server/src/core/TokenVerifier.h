#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/ClientToken.h"
#include "core/Result.h"

namespace parley::core {

// Verifies OpenTok client tokens: legacy "T1==" and HS256 JWTs, in the field orders
// of every official SDK (docs/protocol.md §2). Pure: the caller supplies the secret look-up and
// the clock.
class TokenVerifier {
 public:
  using SecretLookup = std::function<std::optional<std::string>(std::string_view apiKey)>;

  // Room for the largest tokens the SDKs mint: 1000 non-ASCII characters of connection
  // data (plus a layout class list) percent-encoded in a T1 token, or \u-escaped by
  // Python's JSON encoder, then base64-encoded, exceed 16 KiB.
  static constexpr std::size_t kMaxTokenLength = 32768;
  static constexpr std::size_t kMaxConnectionData =
      1024;  // the Node SDK's limit; Ruby/Python stop at 1000
  static constexpr std::size_t kMaxLayoutClassList = 1024;
  static constexpr std::int64_t kDefaultLifetime = 24 * 3600;
  static constexpr std::int64_t kMaxLifetime = 30 * 24 * 3600;
  static constexpr std::int64_t kClockSkew = 300;  // seconds tolerated for create/iat in the future

  // Checks syntax, signature (project selected by partner_id / iss), expiry (absent →
  // 24 h from creation; more than 30 days after creation → Invalid), role, data lengths,
  // and that the token's session ID decodes to the token's API key.
  // Does NOT check which session the caller wants: compare result.sessionId yourself.
  static Result<ClientToken> verify(std::string_view token, const SecretLookup& secretFor,
                                    std::int64_t nowSeconds);
};

}  // namespace parley::core
