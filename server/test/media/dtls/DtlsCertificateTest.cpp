#include "media/dtls/DtlsCertificate.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cctype>
#include <ctime>
#include <string>

namespace parley::media::dtls {
namespace {

// "AB:CD:…": `pairs` uppercase hex pairs separated by colons.
void expectFingerprintFormat(const std::string& fp, size_t pairs) {
  ASSERT_EQ(fp.size(), pairs * 3 - 1) << fp;
  for (size_t i = 0; i < fp.size(); ++i) {
    if (i % 3 == 2) {
      EXPECT_EQ(':', fp[i]) << fp;
    } else {
      EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(fp[i])) &&
                  !std::islower(static_cast<unsigned char>(fp[i])))
          << fp;
    }
  }
}

TEST(DtlsCertificateTest, Sha256FingerprintInSdpForm) {
  const auto cert = DtlsCertificate::generate();
  ASSERT_TRUE(cert);
  EXPECT_EQ(95u, cert->fingerprintSha256().size());
  expectFingerprintFormat(cert->fingerprintSha256(), 32);
  EXPECT_EQ(cert->fingerprintSha256(), DtlsCertificate::fingerprintOf(cert->x509(), "sha-256"));
}

TEST(DtlsCertificateTest, EveryGenerateIsANewIdentity) {
  const auto a = DtlsCertificate::generate();
  const auto b = DtlsCertificate::generate();
  EXPECT_NE(a->fingerprintSha256(), b->fingerprintSha256());
  EXPECT_NE(0,
            ASN1_INTEGER_cmp(X509_get0_serialNumber(a->x509()), X509_get0_serialNumber(b->x509())));
}

TEST(DtlsCertificateTest, SelfSignedP256WithTheAgreedFields) {
  const auto cert = DtlsCertificate::generate();
  X509* x = cert->x509();
  EXPECT_EQ(X509_VERSION_3, X509_get_version(x));
  EXPECT_EQ(1, X509_verify(x, cert->key()));
  EXPECT_EQ(0, X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)));
  char cn[64] = {};
  ASSERT_GT(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn), 0);
  EXPECT_STREQ("parley", cn);
  EXPECT_EQ(EVP_PKEY_EC, EVP_PKEY_get_base_id(cert->key()));
  EXPECT_EQ(256, EVP_PKEY_get_bits(cert->key()));

  int days = 0;
  int seconds = 0;
  ASSERT_EQ(1, ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notBefore(x)));
  EXPECT_EQ(-1, days);  // one day ago, give or take the seconds this test took
  ASSERT_EQ(1, ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(x)));
  EXPECT_TRUE(days == 30 || (days == 29 && seconds > 86000)) << days << " " << seconds;
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
  ASSERT_TRUE(serial);
  EXPECT_FALSE(BN_is_zero(serial));
  EXPECT_FALSE(BN_is_negative(serial));
  BN_free(serial);
}

TEST(DtlsCertificateTest, FingerprintOfOtherHashes) {
  const auto cert = DtlsCertificate::generate();
  const auto sha1 = DtlsCertificate::fingerprintOf(cert->x509(), "sha-1");
  ASSERT_TRUE(sha1);
  expectFingerprintFormat(*sha1, 20);
  const auto sha224 = DtlsCertificate::fingerprintOf(cert->x509(), "sha-224");
  ASSERT_TRUE(sha224);
  expectFingerprintFormat(*sha224, 28);
  const auto sha384 = DtlsCertificate::fingerprintOf(cert->x509(), "sha-384");
  ASSERT_TRUE(sha384);
  expectFingerprintFormat(*sha384, 48);
  const auto sha512 = DtlsCertificate::fingerprintOf(cert->x509(), "SHA-512");
  ASSERT_TRUE(sha512);
  expectFingerprintFormat(*sha512, 64);
  EXPECT_EQ(cert->fingerprintSha256(), DtlsCertificate::fingerprintOf(cert->x509(), "SHA-256"));
}

TEST(DtlsCertificateTest, UnknownHashOrNoCertificate) {
  const auto cert = DtlsCertificate::generate();
  EXPECT_FALSE(DtlsCertificate::fingerprintOf(cert->x509(), "md5"));
  EXPECT_FALSE(DtlsCertificate::fingerprintOf(cert->x509(), "sha256"));
  EXPECT_FALSE(DtlsCertificate::fingerprintOf(cert->x509(), ""));
  EXPECT_FALSE(DtlsCertificate::fingerprintOf(nullptr, "sha-256"));
}

}  // namespace
}  // namespace parley::media::dtls
