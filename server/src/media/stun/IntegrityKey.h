#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "media/srtp/HmacSha1.h"

namespace parley::media::stun {

// The key of STUN's MESSAGE-INTEGRITY (HMAC-SHA1 keyed with the ICE password, short-term
// credentials) with its pad blocks hashed once, so that checking a request or signing a
// response costs the message's own blocks and allocates nothing. A transport keeps one for
// its password and answers every consent check (one per peer every few seconds) with it.
// Built from a string where that is all a caller has; an empty password means "no
// MESSAGE-INTEGRITY" to the builders.
class IntegrityKey {
 public:
  IntegrityKey() = default;
  // Implicit, so that a password can be passed wherever a key is taken.
  IntegrityKey(std::string_view password) : hmac_(bytes(password)), empty_(password.empty()) {}
  IntegrityKey(const std::string& password) : IntegrityKey(std::string_view(password)) {}
  IntegrityKey(const char* password) : IntegrityKey(std::string_view(password)) {}

  bool empty() const { return empty_; }
  // The MAC of `first` followed by `second`, srtp::HmacSha1::kTagSize bytes into `tag`.
  void compute(std::span<const uint8_t> first, std::span<const uint8_t> second,
               uint8_t* tag) const {
    hmac_.compute(first, second, tag);
  }

 private:
  static std::span<const uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  srtp::HmacSha1 hmac_{std::span<const uint8_t>{}};
  bool empty_ = true;
};

}  // namespace parley::media::stun
