#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace parley::media::srtp {

// The SRTP key derivation function (RFC 3711 §4.3) with the AES-CM PRF and a key
// derivation rate of 0, as every DTLS-SRTP profile uses: session keys and salts from the
// master key and salt. RFC 7714 §11 uses the same function with a 96-bit master salt.
class SrtpKeyDerivation {
 public:
  // The labels of RFC 3711 §4.3.1/§4.3.2.
  enum Label : uint8_t {
    kRtpEncryption = 0,
    kRtpAuthentication = 1,
    kRtpSalt = 2,
    kRtcpEncryption = 3,
    kRtcpAuthentication = 4,
    kRtcpSalt = 5,
  };

  // masterKey: 16 bytes (AES-128); masterSalt: at most 14 bytes. Fills all of `out` (at
  // most 64 bytes) with the PRF output for `label`. False on wrong sizes or an OpenSSL
  // failure.
  static bool derive(std::span<const uint8_t> masterKey, std::span<const uint8_t> masterSalt,
                     Label label, std::span<uint8_t> out);
};

}  // namespace parley::media::srtp
