#include "media/srtp/SrtpKeyDerivation.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>

namespace parley::media::srtp {

bool SrtpKeyDerivation::derive(std::span<const uint8_t> masterKey,
                               std::span<const uint8_t> masterSalt, Label label,
                               std::span<uint8_t> out) {
  constexpr size_t kSaltBits = 112;
  if (masterKey.size() != 16 || masterSalt.size() > kSaltBits / 8 || out.size() > 64) return false;
  // x = key_id XOR master_salt, key_id = label || r with r = index DIV kdr = 0 (48 bits),
  // both 112-bit values; a shorter (GCM) salt is the leading bytes, zero-padded. The PRF is
  // AES-CM keyed with the master key and IV = x * 2^16: its keystream is the output.
  std::array<uint8_t, 16> iv{};
  std::copy(masterSalt.begin(), masterSalt.end(), iv.begin());
  iv[7] ^= label;  // byte 7 of 14 is where the label lands, 48 bits above the end
  std::array<uint8_t, 64> zeros{};

  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return false;
  int length = 0;
  const bool ok =
      EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, masterKey.data(), iv.data()) == 1 &&
      EVP_EncryptUpdate(ctx, out.data(), &length, zeros.data(), static_cast<int>(out.size())) ==
          1 &&
      static_cast<size_t>(length) == out.size();
  EVP_CIPHER_CTX_free(ctx);
  OPENSSL_cleanse(iv.data(), iv.size());
  if (!ok) OPENSSL_cleanse(out.data(), out.size());
  return ok;
}

}  // namespace parley::media::srtp
