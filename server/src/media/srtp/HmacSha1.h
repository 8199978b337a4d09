#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "media/srtp/Sha1.h"

namespace parley::media::srtp {

// HMAC-SHA1 (RFC 2104) under one key, for SRTP/SRTCP authentication tags and STUN's
// MESSAGE-INTEGRITY (stun::IntegrityKey). The key's inner and outer pad blocks are hashed
// once; each message then costs its own blocks plus two, with no allocation. Wipes its
// key-derived state when destroyed.
class HmacSha1 {
 public:
  static constexpr size_t kTagSize = Sha1::kDigestSize;

  HmacSha1() = default;
  explicit HmacSha1(std::span<const uint8_t> key);
  ~HmacSha1();
  HmacSha1(const HmacSha1&) = default;
  HmacSha1& operator=(const HmacSha1&) = default;

  // The tag of `first` followed by `second` (SRTP appends the ROC to the packet without
  // copying it there), kTagSize bytes into `tag`.
  void compute(std::span<const uint8_t> first, std::span<const uint8_t> second, uint8_t* tag) const;

 private:
  Sha1 inner_;
  Sha1 outer_;
};

}  // namespace parley::media::srtp
