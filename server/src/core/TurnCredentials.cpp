#include "core/TurnCredentials.h"

#include "core/Base64.h"
#include "core/Crypto.h"

namespace parley::core {

TurnCredentials::Issued TurnCredentials::issue(std::string_view secret, std::string_view user,
                                               std::int64_t expiresAt) {
  Issued out;
  out.username = std::to_string(expiresAt) + ":" + std::string(user);
  out.credential = Base64::encode(Crypto::hmacSha1(secret, out.username));
  return out;
}

}  // namespace parley::core
