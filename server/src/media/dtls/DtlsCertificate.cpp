#include "media/dtls/DtlsCertificate.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cctype>
#include <stdexcept>

#include "core/AsciiCase.h"

namespace parley::media::dtls {

namespace {

constexpr long kOneDay = 24 * 60 * 60;
constexpr long kValidDays = 30;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};

const EVP_MD* digestFor(std::string_view hash) {
  if (core::equalsIgnoringCase(hash, "sha-256")) return EVP_sha256();
  if (core::equalsIgnoringCase(hash, "sha-1")) return EVP_sha1();
  if (core::equalsIgnoringCase(hash, "sha-384")) return EVP_sha384();
  if (core::equalsIgnoringCase(hash, "sha-512")) return EVP_sha512();
  if (core::equalsIgnoringCase(hash, "sha-224")) return EVP_sha224();
  return nullptr;
}

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("DTLS certificate: ") + what + " failed");
}

}  // namespace

std::shared_ptr<const DtlsCertificate> DtlsCertificate::generate() {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  if (!key) fail("P-256 key generation");

  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert) fail("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) fail("X509_set_version");

  // A random serial keeps browsers from confusing certificates of restarted servers.
  std::unique_ptr<BIGNUM, BnFree> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ODD) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
    fail("serial number");

  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kOneDay) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidDays * kOneDay))
    fail("validity");

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>("parley"), -1, -1, 0) ||
      X509_set_issuer_name(cert.get(), name) != 1)
    fail("subject name");

  if (X509_set_pubkey(cert.get(), key.get()) != 1) fail("X509_set_pubkey");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) fail("X509_sign");

  auto fingerprint = fingerprintOf(cert.get(), "sha-256");
  if (!fingerprint) fail("fingerprint");
  return std::shared_ptr<const DtlsCertificate>(
      new DtlsCertificate(cert.release(), key.release(), std::move(*fingerprint)));
}

DtlsCertificate::DtlsCertificate(X509* x509, EVP_PKEY* key, std::string fingerprint)
    : x509_(x509), key_(key), fingerprintSha256_(std::move(fingerprint)) {}

DtlsCertificate::~DtlsCertificate() {
  X509_free(x509_);
  EVP_PKEY_free(key_);
}

std::optional<std::string> DtlsCertificate::fingerprintOf(X509* cert, std::string_view hash) {
  const EVP_MD* md = digestFor(hash);
  if (!cert || !md) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, md, digest, &length) != 1 || length == 0) return std::nullopt;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(length * 3);
  for (unsigned int i = 0; i < length; ++i) {
    if (i) out.push_back(':');
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0F]);
  }
  return out;
}

}  // namespace parley::media::dtls
