#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace parley::media::srtp {

// SHA-1 (RFC 3174, FIPS 180-4) for SRTP's HMAC-SHA1 authentication, and only for that.
// Our own because OpenSSL 3.0's EVP digests allocate a provider context on every
// EVP_DigestInit_ex (and EVP_MAC's HMAC on every init and final), and the packet path must
// not allocate. A plain value: copying it forks the hash state (HmacSha1 relies on that).
// Uses the x86 SHA extensions when the CPU has them.
class Sha1 {
 public:
  static constexpr size_t kDigestSize = 20;
  static constexpr size_t kBlockSize = 64;

  Sha1() = default;

  void update(const uint8_t* data, size_t size);
  // Writes the digest; the object is spent afterwards (start again from a fresh Sha1).
  void finish(uint8_t* digest);

  // The block function on `count` 64-byte blocks, both implementations, for tests.
  static void compressPortable(uint32_t* state, const uint8_t* blocks, size_t count);
  static void compressAccelerated(uint32_t* state, const uint8_t* blocks, size_t count);
  static bool accelerationAvailable();

 private:
  static void compress(uint32_t* state, const uint8_t* blocks, size_t count);

  std::array<uint32_t, 5> state_ = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::array<uint8_t, kBlockSize> buffer_{};
  size_t buffered_ = 0;
  uint64_t length_ = 0;  // bytes hashed so far
};

}  // namespace parley::media::srtp
