#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

// The one place that calls OpenSSL's libcrypto for HMACs, hashes and randomness.
// All results are raw bytes in std::string unless the name says hex.
class Crypto {
 public:
  static std::string hmacSha1(std::string_view key, std::string_view data);
  static std::string hmacSha256(std::string_view key, std::string_view data);
  static std::string sha256(std::string_view data);
  // Only where a protocol fixes SHA-1 (the WebSocket handshake), never for security.
  static std::string sha1(std::string_view data);
  // Cryptographically secure random bytes (RAND_bytes); aborts if the CSPRNG fails.
  static std::string randomBytes(std::size_t count);
  // `count` random letters and digits: ICE ufrags and passwords, msid ids.
  static std::string randomAlphanumeric(std::size_t count);
  static std::string toHex(std::string_view bytes);  // lowercase
  // The bytes of an even number of hex digits (either case); nullopt for anything else.
  static std::optional<std::string> fromHex(std::string_view hex);
  // Compares without leaking the position of the first difference through timing.
  static bool constantTimeEquals(std::string_view a, std::string_view b);
  // Random UUID v4, lowercase and hyphenated.
  static std::string uuid4();
};

}  // namespace parley::core
