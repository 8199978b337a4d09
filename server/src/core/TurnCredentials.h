#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::core {

// Short-lived TURN credentials in the "TURN REST API" scheme that coturn checks with
// `use-auth-secret` / `static-auth-secret`: the username carries its own expiry, and the
// password is an HMAC of the username under a secret parleyd shares with the TURN server,
// so the TURN server needs no user database and no call back to parleyd.
class TurnCredentials {
 public:
  struct Issued {
    std::string username;    // "<expiry unix time>:<user>"
    std::string credential;  // base64(HMAC-SHA1(secret, username))
  };

  // `user` should not contain ':' (coturn splits the username at the first one).
  static Issued issue(std::string_view secret, std::string_view user, std::int64_t expiresAt);
};

}  // namespace parley::core
