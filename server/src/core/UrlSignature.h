#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::core {

// Signed, expiring URLs (archive download links, docs/protocol.md §3.4.2): whoever holds
// the link may fetch the resource until it expires, and nobody can make a link for
// another resource or a later expiry without the server's key.
class UrlSignature {
 public:
  enum class Check { Valid, Expired, Invalid };

  // Lowercase hex HMAC-SHA256(key, resource + "\n" + expires).
  static std::string sign(std::string_view key, std::string_view resource,
                          std::int64_t expiresUnixS);
  // `expires` and `signature` as they came in the query. Malformed values are Invalid;
  // a link is Expired only when its signature is right and `nowUnixS` is past `expires`.
  static Check verify(std::string_view key, std::string_view resource, std::string_view expires,
                      std::string_view signature, std::int64_t nowUnixS);
};

}  // namespace parley::core
