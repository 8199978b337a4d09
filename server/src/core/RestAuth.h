#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/Result.h"
#include "core/TokenVerifier.h"

namespace parley::core {

// Verifies the X-OPENTOK-AUTH JWT that the server SDKs send on every REST call
// (docs/protocol.md §3.1): HS256 with the secret of the project named by `iss`; `ist` = "project"
// in the header (Ruby), in the payload (Node, Python) or absent; `iat` and `exp`
// required, `exp - iat` at most 300 s (+ skew), not expired, not issued in the future.
class RestAuth {
 public:
  static constexpr std::int64_t kMaxLifetime = 300;
  static constexpr std::int64_t kClockSkew = 60;

  // Returns the authenticated API key.
  static Result<std::string> verify(std::string_view jwt,
                                    const TokenVerifier::SecretLookup& secretFor,
                                    std::int64_t nowSeconds);
};

}  // namespace parley::core
