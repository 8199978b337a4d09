#include "media/srtp/HmacSha1.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

namespace parley::media::srtp {

HmacSha1::HmacSha1(std::span<const uint8_t> key) {
  // Keys longer than a block are hashed first (RFC 2104 §2); SRTP's are 20 bytes.
  std::array<uint8_t, Sha1::kBlockSize> block{};
  if (key.size() > Sha1::kBlockSize) {
    Sha1 h;
    h.update(key.data(), key.size());
    h.finish(block.data());
  } else if (!key.empty()) {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<uint8_t, Sha1::kBlockSize> pad;
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x36;
  inner_.update(pad.data(), pad.size());
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x5c;
  outer_.update(pad.data(), pad.size());
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(pad.data(), pad.size());
}

HmacSha1::~HmacSha1() {
  OPENSSL_cleanse(&inner_, sizeof inner_);
  OPENSSL_cleanse(&outer_, sizeof outer_);
}

void HmacSha1::compute(std::span<const uint8_t> first, std::span<const uint8_t> second,
                       uint8_t* tag) const {
  Sha1 h = inner_;
  h.update(first.data(), first.size());
  h.update(second.data(), second.size());
  std::array<uint8_t, Sha1::kDigestSize> innerDigest;
  h.finish(innerDigest.data());
  Sha1 o = outer_;
  o.update(innerDigest.data(), innerDigest.size());
  o.finish(tag);
}

}  // namespace parley::media::srtp
