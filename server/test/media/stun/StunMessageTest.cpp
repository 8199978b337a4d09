#include "media/stun/StunMessage.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/Crypto.h"

namespace parley::media::stun {
namespace {

// RFC 5769 §2.1: sample request, short-term credentials.
// Password "VOkJxbRl1RmTxUk/WvJxBt"; padding bytes are 0x20 on purpose.
const std::vector<uint8_t> kSampleRequest = {
    0x00, 0x01, 0x00, 0x58,  // Binding request, length 88
    0x21, 0x12, 0xa4, 0x42,  // magic cookie
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,  // transaction id
    0x80, 0x22, 0x00, 0x10,                                                  // SOFTWARE, 16
    0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e,
    0x74,                                                                    // "STUN test client"
    0x00, 0x24, 0x00, 0x04,                                                  // PRIORITY
    0x6e, 0x00, 0x01, 0xff,                                                  //
    0x80, 0x29, 0x00, 0x08,                                                  // ICE-CONTROLLED
    0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,                          // tie breaker
    0x00, 0x06, 0x00, 0x09,                                                  // USERNAME, 9
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20,  // "evtj:h6vY"+pad
    0x00, 0x08, 0x00, 0x14,                                                  // MESSAGE-INTEGRITY
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2,
    0x49, 0xc1, 0xb5, 0x71, 0xa2,  //
    0x80, 0x28, 0x00, 0x04,        // FINGERPRINT
    0xe5, 0x7a, 0x3b, 0xcf,
};

// RFC 5769 §2.2: IPv4 response, 192.0.2.1:32853, same password.
const std::vector<uint8_t> kIpv4Response = {
    0x01, 0x01, 0x00, 0x3c,  // Binding success, length 60
    0x21, 0x12, 0xa4, 0x42,  //
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,  //
    0x80, 0x22, 0x00, 0x0b,  // SOFTWARE, 11: "test vector" + 0x20 pad
    0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,  //
    0x00, 0x20, 0x00, 0x08,                                                  // XOR-MAPPED-ADDRESS
    0x00, 0x01, 0xa1, 0x47,                                                  // IPv4, xor'd port
    0xe1, 0x12, 0xa6, 0x43,                                                  // xor'd address
    0x00, 0x08, 0x00, 0x14,                                                  // MESSAGE-INTEGRITY
    0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,  //
    0x80, 0x28, 0x00, 0x04,                          // FINGERPRINT
    0xc0, 0x7d, 0x4c, 0x96,
};

// RFC 5769 §2.3: IPv6 response, [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const std::vector<uint8_t> kIpv6Response = {
    0x01, 0x01, 0x00, 0x48,  // Binding success, length 72
    0x21, 0x12, 0xa4, 0x42,  //
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,  //
    0x80, 0x22, 0x00, 0x0b,                                                  // SOFTWARE
    0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,  //
    0x00, 0x20, 0x00, 0x14,  // XOR-MAPPED-ADDRESS, 20
    0x00, 0x02, 0xa1, 0x47,  // IPv6, xor'd port
    0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9,
    0xd9,                    // xor'd address
    0x00, 0x08, 0x00, 0x14,  // MESSAGE-INTEGRITY
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2,
    0x75, 0xbf, 0xe3, 0xed, 0x41,  //
    0x80, 0x28, 0x00, 0x04,        // FINGERPRINT
    0xc8, 0xfb, 0x0b, 0x4c,
};

const std::string kPassword = "VOkJxbRl1RmTxUk/WvJxBt";

TEST(StunMessageTest, Rfc5769SampleRequest) {
  const auto m = StunMessage::parse(kSampleRequest.data(), kSampleRequest.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), StunMessage::kBindingRequest);
  EXPECT_EQ(std::memcmp(m->transactionId(), kSampleRequest.data() + 8, 12), 0);
  ASSERT_TRUE(m->username());
  EXPECT_EQ(*m->username(), "evtj:h6vY");
  EXPECT_EQ(m->priority(), 0x6e0001ffu);
  EXPECT_EQ(m->iceControlled(), 0x932ff9b151263b36ull);
  EXPECT_FALSE(m->iceControlling());
  EXPECT_FALSE(m->useCandidate());
  EXPECT_TRUE(m->hasMessageIntegrity());
  EXPECT_TRUE(m->hasFingerprint());
  EXPECT_TRUE(m->checkFingerprint());
  EXPECT_TRUE(m->checkIntegrity(kPassword));
  EXPECT_FALSE(m->checkIntegrity("wrong"));
}

TEST(StunMessageTest, Rfc5769Ipv4Response) {
  const auto m = StunMessage::parse(kIpv4Response.data(), kIpv4Response.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), StunMessage::kBindingSuccess);
  const auto a = m->xorMappedAddress();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family, 4);
  EXPECT_EQ(a->port, 32853);
  EXPECT_EQ(a->ip[0], 192);
  EXPECT_EQ(a->ip[1], 0);
  EXPECT_EQ(a->ip[2], 2);
  EXPECT_EQ(a->ip[3], 1);
  EXPECT_TRUE(m->checkFingerprint());
  EXPECT_TRUE(m->checkIntegrity(kPassword));
}

TEST(StunMessageTest, Rfc5769Ipv6Response) {
  const auto m = StunMessage::parse(kIpv6Response.data(), kIpv6Response.size());
  ASSERT_TRUE(m);
  const auto a = m->xorMappedAddress();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family, 6);
  EXPECT_EQ(a->port, 32853);
  const uint8_t expected[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
                                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
  EXPECT_EQ(std::memcmp(a->ip.data(), expected, 16), 0);
  EXPECT_TRUE(m->checkFingerprint());
  EXPECT_TRUE(m->checkIntegrity(kPassword));
}

TEST(StunMessageTest, TamperedMessageFailsChecks) {
  auto bytes = kSampleRequest;
  bytes[40] ^= 0x01;  // inside SOFTWARE
  const auto m = StunMessage::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->checkFingerprint());
  EXPECT_FALSE(m->checkIntegrity(kPassword));
}

TEST(StunMessageTest, RejectsEveryTruncation) {
  for (const auto* v : {&kSampleRequest, &kIpv4Response, &kIpv6Response}) {
    for (size_t n = 0; n < v->size(); ++n) {
      std::vector<uint8_t> copy(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_FALSE(StunMessage::parse(copy.data(), copy.size())) << n;
    }
  }
}

TEST(StunMessageTest, RejectsBadHeaders) {
  auto bytes = kSampleRequest;
  bytes[4] = 0x00;  // cookie
  EXPECT_FALSE(StunMessage::parse(bytes.data(), bytes.size()));
  bytes = kSampleRequest;
  bytes[0] = 0x40;  // top bits
  EXPECT_FALSE(StunMessage::parse(bytes.data(), bytes.size()));
  bytes = kSampleRequest;
  bytes[3] = 0x57;  // length not a multiple of 4
  EXPECT_FALSE(StunMessage::parse(bytes.data(), bytes.size()));
  EXPECT_FALSE(StunMessage::parse(nullptr, 0));
}

TEST(StunMessageTest, RejectsAttributeAfterFingerprint) {
  auto bytes = kSampleRequest;
  for (uint8_t b : {0x00, 0x25, 0x00, 0x00}) bytes.push_back(b);  // USE-CANDIDATE
  bytes[3] = static_cast<uint8_t>(bytes[3] + 4);
  EXPECT_FALSE(StunMessage::parse(bytes.data(), bytes.size()));
}

std::vector<uint8_t> header(uint16_t type, const std::vector<uint8_t>& attrs) {
  std::vector<uint8_t> m = {static_cast<uint8_t>(type >> 8),
                            static_cast<uint8_t>(type),
                            static_cast<uint8_t>(attrs.size() >> 8),
                            static_cast<uint8_t>(attrs.size()),
                            0x21,
                            0x12,
                            0xa4,
                            0x42};
  for (int i = 0; i < 12; ++i) m.push_back(static_cast<uint8_t>(i + 1));
  m.insert(m.end(), attrs.begin(), attrs.end());
  return m;
}

TEST(StunMessageTest, UseCandidateControllingAndErrorCode) {
  const auto bytes =
      header(StunMessage::kBindingError, {
                                             0x00, 0x25, 0x00, 0x00,  // USE-CANDIDATE
                                             0x80, 0x2a, 0x00, 0x08,  // ICE-CONTROLLING
                                             1,    2,    3,    4,    5,   6,   7,   8,  //
                                             0x00, 0x09, 0x00, 0x0c,  // ERROR-CODE, 12
                                             0x00, 0x00, 0x04, 0x57,  // 4, 87 → 487
                                             'R',  'o',  'l',  'e',  ' ', 'C', 'o', 'n',  //
                                         });
  auto m = StunMessage::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->useCandidate());
  EXPECT_EQ(m->iceControlling(), 0x0102030405060708ull);
  ASSERT_TRUE(m->errorCode());
  EXPECT_EQ(m->errorCode()->code, 487);
  const auto ok = header(
      StunMessage::kBindingError,
      {0x00, 0x09, 0x00, 0x0c, 0x00, 0x00, 0x04, 0x57, 'R', 'o', 'l', 'e', ' ', 'C', 'o', 'n'});
  m = StunMessage::parse(ok.data(), ok.size());
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->errorCode());
  EXPECT_EQ(m->errorCode()->code, 487);
  EXPECT_EQ(m->errorCode()->reason, "Role Con");
  EXPECT_FALSE(m->hasMessageIntegrity());
  EXPECT_FALSE(m->checkIntegrity("x"));
  EXPECT_FALSE(m->checkFingerprint());
}

TEST(StunMessageTest, RejectsWrongAttributeSizes) {
  const auto badPriority = header(1, {0x00, 0x24, 0x00, 0x02, 0, 0, 0, 0});
  EXPECT_FALSE(StunMessage::parse(badPriority.data(), badPriority.size()));
  const auto overrun = header(1, {0x00, 0x06, 0x00, 0x09, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'});
  EXPECT_FALSE(StunMessage::parse(overrun.data(), overrun.size()));
}

TEST(StunMessageTest, AttributesAfterIntegrityAreIgnored) {
  std::vector<uint8_t> attrs = {0x00, 0x08, 0x00, 0x14};
  attrs.resize(attrs.size() + 20, 0);
  for (uint8_t b : {0x00, 0x06, 0x00, 0x01, 0x78, 0, 0, 0}) attrs.push_back(b);
  const auto bytes = header(1, attrs);
  const auto m = StunMessage::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->username());
}

StunMessage::Address v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  StunMessage::Address addr;
  addr.family = 4;
  addr.port = port;
  addr.ip[0] = a;
  addr.ip[1] = b;
  addr.ip[2] = c;
  addr.ip[3] = d;
  return addr;
}

TEST(StunMessageTest, BuilderMatchesRfc5769Ipv4ResponseAddressBytes) {
  uint8_t out[128];
  const size_t n = StunMessage::buildBindingSuccess(out, sizeof out, kIpv4Response.data() + 8,
                                                    v4(192, 0, 2, 1, 32853), kPassword);
  ASSERT_EQ(n, 20u + 12 + 24 + 8);
  // XOR-MAPPED-ADDRESS must be byte-identical to the RFC's.
  EXPECT_EQ(std::memcmp(out + 20, kIpv4Response.data() + 36, 12), 0);
}

TEST(StunMessageTest, BuilderRoundTripIpv4AndIpv6) {
  const uint8_t tid[12] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0xff, 0xee};
  StunMessage::Address six;
  six.family = 6;
  six.port = 443;
  for (size_t i = 0; i < 16; ++i) six.ip[i] = static_cast<uint8_t>(0xA0 + i);
  for (const auto& addr : {v4(10, 1, 2, 3, 50000), six}) {
    uint8_t out[128];
    const size_t n = StunMessage::buildBindingSuccess(out, sizeof out, tid, addr, "secret");
    ASSERT_GT(n, 0u);
    const auto m = StunMessage::parse(out, n);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type(), StunMessage::kBindingSuccess);
    EXPECT_EQ(std::memcmp(m->transactionId(), tid, 12), 0);
    EXPECT_TRUE(m->checkFingerprint());
    EXPECT_TRUE(m->checkIntegrity("secret"));
    EXPECT_FALSE(m->checkIntegrity("secreT"));
    const auto got = m->xorMappedAddress();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->family, addr.family);
    EXPECT_EQ(got->port, addr.port);
    EXPECT_EQ(got->ip, addr.ip);
    // Independent cross-check of MESSAGE-INTEGRITY: HMAC over the prefix with the length
    // field set to end after MESSAGE-INTEGRITY, and of FINGERPRINT via the RFC 1952 CRC.
    std::string prefix(reinterpret_cast<const char*>(out), n - 32);
    prefix[2] = 0;
    prefix[3] = static_cast<char>(n - 20 - 8);
    EXPECT_EQ(core::Crypto::hmacSha1("secret", prefix),
              std::string(reinterpret_cast<const char*>(out + n - 28), 20));
    for (size_t cap = 0; cap < n; ++cap)
      EXPECT_EQ(StunMessage::buildBindingSuccess(out, cap, tid, addr, "secret"), 0u);
  }
}

TEST(StunMessageTest, BuildBindingErrorRoundTrip) {
  const uint8_t tid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  uint8_t out[256];
  for (const std::string_view key : {std::string_view(), std::string_view("pw")}) {
    for (const std::string_view reason : {"", "a", "Role Conflict", "Unauthorized"}) {
      const size_t n = StunMessage::buildBindingError(out, sizeof out, tid, 487, reason, key);
      ASSERT_GT(n, 0u);
      EXPECT_EQ(n % 4, 0u);
      const auto m = StunMessage::parse(out, n);
      ASSERT_TRUE(m);
      EXPECT_EQ(m->type(), StunMessage::kBindingError);
      ASSERT_TRUE(m->errorCode());
      EXPECT_EQ(m->errorCode()->code, 487);
      EXPECT_EQ(m->errorCode()->reason, reason);
      EXPECT_TRUE(m->checkFingerprint());
      EXPECT_EQ(m->hasMessageIntegrity(), !key.empty());
      if (!key.empty()) {
        EXPECT_TRUE(m->checkIntegrity(key));
      }
      for (size_t cap = 0; cap < n; ++cap)
        EXPECT_EQ(StunMessage::buildBindingError(out, cap, tid, 487, reason, key), 0u);
    }
  }
  EXPECT_EQ(StunMessage::buildBindingError(out, sizeof out, tid, 299, "x"), 0u);
  EXPECT_EQ(StunMessage::buildBindingError(out, sizeof out, tid, 700, "x"), 0u);
  const size_t n = StunMessage::buildBindingError(out, sizeof out, tid, 401, "x");
  ASSERT_EQ(n, 40u);  // header 20 + ERROR-CODE 4+8 + FINGERPRINT 8
  const auto m = StunMessage::parse(out, n);
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->errorCode());
  EXPECT_EQ(m->errorCode()->code, 401);
}

TEST(StunMessageTest, Crc32KnownValue) {
  const char* s = "123456789";
  EXPECT_EQ(StunMessage::crc32(reinterpret_cast<const uint8_t*>(s), 9), 0xCBF43926u);
}

// RFC 5769 §2.4: long-term credentials. key = MD5(username ":" realm ":" password).
TEST(StunMessageTest, Rfc5769LongTermCredentials) {
  const std::vector<uint8_t> req = {
      0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42,                          //
      0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,  // tid
      0x00, 0x06, 0x00, 0x12,  // USERNAME, 18: "マトリックス" in UTF-8
      0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83, 0xaa, 0xe3, 0x83, 0x83, 0xe3, 0x82,
      0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00,  //
      0x00, 0x15, 0x00, 0x1c,              // NONCE, 28
      0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39, 0x35, 0x34, 0x64, 0x36, 0x4f, 0x4c,
      0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54, 0x76, 0x79, 0x36, 0x34, 0x73, 0x41,  //
      0x00, 0x14, 0x00, 0x0b,  // REALM, 11: "example.org"
      0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67, 0x00,  //
      0x00, 0x08, 0x00, 0x14,                                                  // MESSAGE-INTEGRITY
      0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02, 0xb8, 0xe0, 0x71, 0x2e, 0x85,
      0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66,
  };
  const auto m = StunMessage::parse(req.data(), req.size());
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->username());
  EXPECT_EQ(*m->username(),
            "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9");
  const std::string material = std::string(*m->username()) + ":example.org:TheMatrIX";
  unsigned char md5[16];
  unsigned int mdLen = 0;
  ASSERT_EQ(EVP_Digest(material.data(), material.size(), md5, &mdLen, EVP_md5(), nullptr), 1);
  EXPECT_TRUE(m->checkIntegrity(std::string_view(reinterpret_cast<const char*>(md5), mdLen)));
  EXPECT_FALSE(m->hasFingerprint());
}

TEST(StunMessageTest, BuildBindingRequestRoundTrip) {
  const uint8_t tid[12] = {0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 7, 8, 9, 10, 11, 12};
  // Usernames of every length modulo 4, so each padding size is exercised.
  for (const std::string_view username : {"localUfrag:remote", "ab:c", "abcd:ef", "x:yz0"}) {
    for (const bool useCandidate : {false, true}) {
      uint8_t out[256];
      const size_t n =
          StunMessage::buildBindingRequest(out, sizeof out, tid, username, kPassword, 0x6e0001ffu,
                                           useCandidate, 0x932ff9b151263b36ull);
      ASSERT_GT(n, 0u);
      EXPECT_EQ(n % 4, 0u);
      const auto m = StunMessage::parse(out, n);
      ASSERT_TRUE(m) << username;
      EXPECT_EQ(m->type(), StunMessage::kBindingRequest);
      EXPECT_EQ(std::memcmp(m->transactionId(), tid, 12), 0);
      ASSERT_TRUE(m->username());
      EXPECT_EQ(*m->username(), username);
      EXPECT_EQ(m->priority(), 0x6e0001ffu);
      EXPECT_EQ(m->useCandidate(), useCandidate);
      EXPECT_EQ(m->iceControlling(), 0x932ff9b151263b36ull);
      EXPECT_FALSE(m->iceControlled());
      EXPECT_TRUE(m->hasMessageIntegrity());
      EXPECT_TRUE(m->checkIntegrity(kPassword));
      EXPECT_FALSE(m->checkIntegrity("VOkJxbRl1RmTxUk/WvJxBT"));
      EXPECT_TRUE(m->checkFingerprint());
      // Padding bytes are zero, so the message is fully determined by the arguments.
      const size_t pad = (4 - username.size() % 4) % 4;
      for (size_t i = 0; i < pad; ++i) EXPECT_EQ(out[24 + username.size() + i], 0) << i;
      for (size_t cap = 0; cap < n; ++cap)
        EXPECT_EQ(StunMessage::buildBindingRequest(out, cap, tid, username, kPassword, 1,
                                                   useCandidate, 2),
                  0u)
            << cap;
    }
  }
}

TEST(StunMessageTest, BuildBindingRequestLayoutAndIntegrity) {
  // 20 header + USERNAME 4+20 ("localUfrag:remote" padded) + PRIORITY 8 + ICE-CONTROLLING 12
  // + USE-CANDIDATE 4 + MESSAGE-INTEGRITY 24 + FINGERPRINT 8.
  const uint8_t tid[12] = {};
  uint8_t out[128];
  const size_t n = StunMessage::buildBindingRequest(out, sizeof out, tid, "localUfrag:remote", "pw",
                                                    100, true, 42);
  EXPECT_EQ(n, 20u + 24 + 8 + 12 + 4 + 24 + 8);
  // Independent check of MESSAGE-INTEGRITY, as in BuilderRoundTripIpv4AndIpv6.
  std::string prefix(reinterpret_cast<const char*>(out), n - 32);
  prefix[2] = 0;
  prefix[3] = static_cast<char>(n - 20 - 8);
  EXPECT_EQ(core::Crypto::hmacSha1("pw", prefix),
            std::string(reinterpret_cast<const char*>(out + n - 28), 20));
}

TEST(StunMessageTest, BuildBindingRequestRejectsBadArguments) {
  const uint8_t tid[12] = {};
  uint8_t out[1024];
  const std::string tooLong(514, 'u');
  EXPECT_EQ(StunMessage::buildBindingRequest(out, sizeof out, tid, tooLong, "pw", 1, false, 2), 0u);
  EXPECT_GT(StunMessage::buildBindingRequest(out, sizeof out, tid, std::string(513, 'u'), "pw", 1,
                                             false, 2),
            0u);
  EXPECT_EQ(StunMessage::buildBindingRequest(out, sizeof out, nullptr, "a:b", "pw", 1, false, 2),
            0u);
  EXPECT_EQ(StunMessage::buildBindingRequest(nullptr, sizeof out, tid, "a:b", "pw", 1, false, 2),
            0u);
  // Without a password there is no MESSAGE-INTEGRITY, only FINGERPRINT.
  const size_t n = StunMessage::buildBindingRequest(out, sizeof out, tid, "a:b", {}, 1, false, 2);
  ASSERT_GT(n, 0u);
  const auto m = StunMessage::parse(out, n);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->hasMessageIntegrity());
  EXPECT_TRUE(m->checkFingerprint());
}

// A transport builds its key once and checks and signs every consent check with it: the
// same key object gives the same answers as a password passed each time, on requests and on
// the responses it signs; a password longer than SHA-1's block (hashed first, RFC 2104)
// matches OpenSSL's HMAC; an empty one leaves MESSAGE-INTEGRITY out.
TEST(StunMessageTest, OneIntegrityKeyChecksAndSignsManyMessages) {
  const IntegrityKey key(kPassword);
  const IntegrityKey other("VOkJxbRl1RmTxUk/WvJxBT");
  for (int round = 0; round < 3; ++round) {
    const auto m = StunMessage::parse(kSampleRequest.data(), kSampleRequest.size());
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->checkIntegrity(key));
    EXPECT_FALSE(m->checkIntegrity(other));
  }
  const uint8_t tid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  StunMessage::Address mapped;
  mapped.family = 4;
  mapped.port = 32853;
  mapped.ip[0] = 192;
  mapped.ip[3] = 1;
  uint8_t out[128];
  const size_t n = StunMessage::buildBindingSuccess(out, sizeof out, tid, mapped, key);
  ASSERT_GT(n, 0u);
  const auto r = StunMessage::parse(out, n);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->checkIntegrity(kPassword));
  EXPECT_FALSE(r->checkIntegrity(other));

  const std::string longPassword(100, 'p');
  const size_t signedSize = StunMessage::buildBindingRequest(
      out, sizeof out, tid, "localUfrag:remote", longPassword, 100, true, 42);
  ASSERT_GT(signedSize, 0u);
  std::string prefix(reinterpret_cast<const char*>(out), signedSize - 32);
  prefix[2] = 0;
  prefix[3] = static_cast<char>(signedSize - 20 - 8);
  EXPECT_EQ(core::Crypto::hmacSha1(longPassword, prefix),
            std::string(reinterpret_cast<const char*>(out + signedSize - 28), 20));
  const auto l = StunMessage::parse(out, signedSize);
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->checkIntegrity(IntegrityKey(longPassword)));

  EXPECT_TRUE(IntegrityKey().empty());
  EXPECT_TRUE(IntegrityKey("").empty());
  EXPECT_FALSE(key.empty());
  const size_t unsignedSize =
      StunMessage::buildBindingError(out, sizeof out, tid, 400, "Bad Request", IntegrityKey(""));
  const auto e = StunMessage::parse(out, unsignedSize);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->hasMessageIntegrity());
  EXPECT_TRUE(e->checkFingerprint());
}

}  // namespace
}  // namespace parley::media::stun
