#pragma once

#include <openssl/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::media::dtls {

// The SFU's DTLS identity: a self-signed ECDSA P-256 certificate, generated once per process
// and shared by every transport. Browsers do not check it against a CA; they compare its
// fingerprint with the one parleyd put in the SDP (RFC 8122, RFC 8827).
class DtlsCertificate {
 public:
  // Fresh key and certificate: X509 v3, random serial, CN "parley", valid from one day ago
  // (tolerates clock skew) for 30 days. Throws std::runtime_error on failure.
  static std::shared_ptr<const DtlsCertificate> generate();

  ~DtlsCertificate();
  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;

  // For a=fingerprint:sha-256 — uppercase hex pairs separated by ':' (32 pairs, 95 chars).
  const std::string& fingerprintSha256() const { return fingerprintSha256_; }

  // Owned by this object (no reference taken); for DtlsTransport's SSL_CTX.
  X509* x509() const { return x509_; }
  EVP_PKEY* key() const { return key_; }

  // The fingerprint of `cert` in the same format, for an SDP hash name ("sha-1", "sha-224",
  // "sha-256", "sha-384", "sha-512"; any case). nullopt for another hash or a null cert.
  static std::optional<std::string> fingerprintOf(X509* cert, std::string_view hash);

 private:
  DtlsCertificate(X509* x509, EVP_PKEY* key, std::string fingerprint);

  X509* x509_;
  EVP_PKEY* key_;
  std::string fingerprintSha256_;
};

}  // namespace parley::media::dtls
