#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/Json.h"

namespace parley::core {

// A compact-serialised JWS (header.payload.signature) — only what OpenTok uses: HS256.
class Jwt {
 public:
  static constexpr std::size_t kMaxLength = 32768;  // client tokens can be large: see TokenVerifier

  // Splits and decodes; both parts must be JSON objects. No signature check yet.
  static std::optional<Jwt> parse(std::string_view token, std::string* error = nullptr);
  // True when alg is HS256 and the signature matches `secret` (constant-time compare).
  bool verifyHs256(std::string_view secret) const;
  static std::string signHs256(const Json& header, const Json& payload, std::string_view secret);

  const Json& header() const { return header_; }
  const Json& payload() const { return payload_; }

 private:
  Json header_;
  Json payload_;
  std::string signingInput_;  // "<b64 header>.<b64 payload>" exactly as received
  std::string signature_;     // decoded bytes
};

}  // namespace parley::core
