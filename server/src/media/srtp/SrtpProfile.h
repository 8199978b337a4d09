#pragma once

#include <cstddef>

namespace parley::media::srtp {

// The SRTP protection profiles the SFU negotiates over DTLS (RFC 5764, RFC 7714).
enum class SrtpProfile { AesCm128HmacSha1_80, AeadAes128Gcm };

// Both profiles use a 128-bit master key; only the salt differs (RFC 3711 §8.2, RFC 7714 §12).
inline constexpr size_t srtpMasterKeySize(SrtpProfile) {
  return 16;
}
inline constexpr size_t srtpMasterSaltSize(SrtpProfile profile) {
  return profile == SrtpProfile::AeadAes128Gcm ? 12 : 14;
}
// Master key followed by master salt: what SrtpSession::create() takes and what
// DtlsTransport hands out per direction.
inline constexpr size_t srtpKeyMaterialSize(SrtpProfile profile) {
  return srtpMasterKeySize(profile) + srtpMasterSaltSize(profile);
}

}  // namespace parley::media::srtp
