#include "media/srtp/SrtpSession.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <srtp2/srtp.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "media/srtp/HmacSha1.h"
#include "media/srtp/Sha1.h"
#include "media/srtp/SrtpKeyDerivation.h"

namespace parley::media::srtp {
namespace {

using Direction = SrtpSession::Direction;

std::vector<uint8_t> keyFor(SrtpProfile profile, uint8_t seed) {
  std::vector<uint8_t> key(srtpKeyMaterialSize(profile));
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(seed + 7 * i);
  return key;
}

void put32(std::vector<uint8_t>& p, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) p.push_back(static_cast<uint8_t>(v >> shift));
}

// RTP with one CSRC and a one-byte header extension (RFC 8285), then `payloadSize` bytes.
std::vector<uint8_t> rtpPacket(uint16_t seq, uint32_t ssrc = 0x11223344, size_t payloadSize = 100) {
  std::vector<uint8_t> p;
  put32(p, 0x916f0000u | seq);  // V=2, X=1, CC=1, PT=111
  put32(p, 0x00010203);         // timestamp
  put32(p, ssrc);
  put32(p, 0xcafebabe);  // CSRC
  put32(p, 0xbede0001);  // one-byte extensions, 1 word
  put32(p, 0x10420000);  // id 1, 1 byte; padding
  for (size_t i = 0; i < payloadSize; ++i) p.push_back(static_cast<uint8_t>(i * 3 + seq));
  return p;
}

// Receiver report with one report block.
std::vector<uint8_t> rtcpPacket() {
  std::vector<uint8_t> p = {0x81, 0xc9, 0x00, 0x07, 0x01, 0x02, 0x03, 0x04};
  for (uint8_t i = 0; i < 24; ++i) p.push_back(i);
  return p;
}

struct Buffer {
  explicit Buffer(const std::vector<uint8_t>& packet)
      : bytes(packet.size() + SrtpSession::kMaxTrailer + kCanary, 0xA5), size(packet.size()) {
    std::memcpy(bytes.data(), packet.data(), packet.size());
  }
  static constexpr size_t kCanary = 64;
  uint8_t* data() { return bytes.data(); }
  size_t capacity() const { return bytes.size() - kCanary; }
  // Nothing written past the capacity we promised.
  bool canaryIntact() const {
    for (size_t i = capacity(); i < bytes.size(); ++i)
      if (bytes[i] != 0xA5) return false;
    return true;
  }
  std::vector<uint8_t> packet() const {
    return {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size)};
  }
  std::vector<uint8_t> bytes;
  size_t size;
};

class SrtpSessionTest : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  SrtpProfile profile() const { return GetParam(); }
  size_t tagSize() const { return profile() == SrtpProfile::AeadAes128Gcm ? 16 : 10; }
  std::unique_ptr<SrtpSession> make(Direction d, uint8_t seed = 1) {
    std::string error;
    auto s = SrtpSession::create(profile(), d, keyFor(profile(), seed), &error);
    EXPECT_TRUE(s) << error;
    return s;
  }
};

TEST_P(SrtpSessionTest, RtpRoundTripWithHeaderExtension) {
  auto out = make(Direction::Outbound);
  auto in = make(Direction::Inbound);
  ASSERT_TRUE(out && in);
  const auto plain = rtpPacket(1000);
  Buffer buf(plain);
  ASSERT_TRUE(out->protectRtp(buf.data(), buf.size, buf.capacity()));
  EXPECT_EQ(buf.size, plain.size() + tagSize());
  EXPECT_TRUE(buf.canaryIntact());
  // The header (up to and including the extension) stays readable, the payload does not.
  EXPECT_EQ(0, std::memcmp(buf.data(), plain.data(), 24));
  EXPECT_NE(0, std::memcmp(buf.data() + 24, plain.data() + 24, plain.size() - 24));
  ASSERT_TRUE(in->unprotectRtp(buf.data(), buf.size));
  EXPECT_EQ(buf.packet(), plain);
}

TEST_P(SrtpSessionTest, RtcpRoundTrip) {
  auto out = make(Direction::Outbound);
  auto in = make(Direction::Inbound);
  ASSERT_TRUE(out && in);
  const auto plain = rtcpPacket();
  Buffer buf(plain);
  ASSERT_TRUE(out->protectRtcp(buf.data(), buf.size, buf.capacity()));
  EXPECT_EQ(buf.size, plain.size() + 4 + tagSize());
  EXPECT_TRUE(buf.canaryIntact());
  ASSERT_TRUE(in->unprotectRtcp(buf.data(), buf.size));
  EXPECT_EQ(buf.packet(), plain);
}

TEST_P(SrtpSessionTest, ManySsrcsShareOneSession) {
  auto out = make(Direction::Outbound);
  auto in = make(Direction::Inbound);
  ASSERT_TRUE(out && in);
  for (uint32_t ssrc = 1; ssrc <= 5; ++ssrc) {
    const auto plain = rtpPacket(7, ssrc);
    Buffer buf(plain);
    ASSERT_TRUE(out->protectRtp(buf.data(), buf.size, buf.capacity()));
    ASSERT_TRUE(in->unprotectRtp(buf.data(), buf.size)) << ssrc;
    EXPECT_EQ(buf.packet(), plain);
  }
}

TEST_P(SrtpSessionTest, TamperedPacketsFail) {
  auto out = make(Direction::Outbound);
  auto in = make(Direction::Inbound);
  ASSERT_TRUE(out && in);
  const auto plain = rtpPacket(5);
  Buffer rtp(plain);
  ASSERT_TRUE(out->protectRtp(rtp.data(), rtp.size, rtp.capacity()));
  for (size_t at : {size_t{2}, size_t{30}, rtp.size - 1}) {
    auto copy = rtp.packet();
    copy[at] ^= 0x01;
    size_t n = copy.size();
    EXPECT_FALSE(in->unprotectRtp(copy.data(), n)) << "byte " << at;
  }
  // The untouched original still passes: failed attempts did not poison the replay window.
  ASSERT_TRUE(in->unprotectRtp(rtp.data(), rtp.size));

  Buffer rtcp(rtcpPacket());
  ASSERT_TRUE(out->protectRtcp(rtcp.data(), rtcp.size, rtcp.capacity()));
  rtcp.data()[10] ^= 0x80;
  EXPECT_FALSE(in->unprotectRtcp(rtcp.data(), rtcp.size));
}

TEST_P(SrtpSessionTest, InboundRejectsReplay) {
  auto out = make(Direction::Outbound);
  auto in = make(Direction::Inbound);
  ASSERT_TRUE(out && in);
  Buffer buf(rtpPacket(42));
  ASSERT_TRUE(out->protectRtp(buf.data(), buf.size, buf.capacity()));
  auto again = buf.packet();
  ASSERT_TRUE(in->unprotectRtp(buf.data(), buf.size));
  size_t n = again.size();
  EXPECT_FALSE(in->unprotectRtp(again.data(), n));

  Buffer rtcp(rtcpPacket());
  ASSERT_TRUE(out->protectRtcp(rtcp.data(), rtcp.size, rtcp.capacity()));
  auto rtcpAgain = rtcp.packet();
  ASSERT_TRUE(in->unprotectRtcp(rtcp.data(), rtcp.size));
  n = rtcpAgain.size();
  EXPECT_FALSE(in->unprotectRtcp(rtcpAgain.data(), n));
}

// Replay protection must not be something other SSRCs can push out: with a per-SSRC table
// that forgot its least recently used SSRC, authenticated packets of other SSRCs (the peer's,
// or old ones replayed by anyone on the path) made an SSRC's replay window start afresh.
TEST_P(SrtpSessionTest, ReplayStaysRejectedHoweverManySsrcsArrive) {
  auto out = make(Direction::Outbound);
  auto in = make(Direction::Inbound);
  ASSERT_TRUE(out && in);
  Buffer rtp(rtpPacket(42, 0xAAAA0001));
  ASSERT_TRUE(out->protectRtp(rtp.data(), rtp.size, rtp.capacity()));
  const auto rtpCopy = rtp.packet();
  ASSERT_TRUE(in->unprotectRtp(rtp.data(), rtp.size));
  auto rtcpPlain = rtcpPacket();  // sender SSRC 0x01020304
  Buffer rtcp(rtcpPlain);
  ASSERT_TRUE(out->protectRtcp(rtcp.data(), rtcp.size, rtcp.capacity()));
  const auto rtcpCopy = rtcp.packet();
  ASSERT_TRUE(in->unprotectRtcp(rtcp.data(), rtcp.size));

  for (uint32_t i = 0; i < 4 * SrtpSession::kMaxStreams; ++i) {
    Buffer other(rtpPacket(7, 0xBBBB0000 + i));
    if (out->protectRtp(other.data(), other.size, other.capacity()))
      in->unprotectRtp(other.data(), other.size);
  }

  auto replay = rtpCopy;
  size_t n = replay.size();
  EXPECT_FALSE(in->unprotectRtp(replay.data(), n));
  auto rtcpReplay = rtcpCopy;
  n = rtcpReplay.size();
  EXPECT_FALSE(in->unprotectRtcp(rtcpReplay.data(), n));
  // The SSRCs known before go on working.
  Buffer next(rtpPacket(43, 0xAAAA0001));
  ASSERT_TRUE(out->protectRtp(next.data(), next.size, next.capacity()));
  EXPECT_TRUE(in->unprotectRtp(next.data(), next.size));
}

TEST_P(SrtpSessionTest, OutboundAllowsRetransmissionOfTheSameSequenceNumber) {
  auto out = make(Direction::Outbound);
  auto in = make(Direction::Inbound);
  ASSERT_TRUE(out && in);
  const auto plain = rtpPacket(9);
  Buffer first(plain);
  Buffer second(plain);
  ASSERT_TRUE(out->protectRtp(first.data(), first.size, first.capacity()));
  ASSERT_TRUE(out->protectRtp(second.data(), second.size, second.capacity()));
  EXPECT_EQ(first.packet(), second.packet());
  // A receiver that lost the first copy accepts the retransmission.
  ASSERT_TRUE(in->unprotectRtp(second.data(), second.size));
  EXPECT_EQ(second.packet(), plain);
}

TEST_P(SrtpSessionTest, OtherKeyDoesNotDecrypt) {
  auto out = make(Direction::Outbound, 1);
  auto in = make(Direction::Inbound, 2);
  ASSERT_TRUE(out && in);
  Buffer buf(rtpPacket(3));
  ASSERT_TRUE(out->protectRtp(buf.data(), buf.size, buf.capacity()));
  EXPECT_FALSE(in->unprotectRtp(buf.data(), buf.size));
}

TEST_P(SrtpSessionTest, WrongKeySizeIsRejected) {
  for (size_t size : {size_t{0}, srtpKeyMaterialSize(profile()) - 1,
                      srtpKeyMaterialSize(profile()) + 1, size_t{32}}) {
    std::vector<uint8_t> key(size, 0x11);
    std::string error;
    EXPECT_EQ(nullptr, SrtpSession::create(profile(), Direction::Outbound, key, &error));
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(nullptr, SrtpSession::create(profile(), Direction::Inbound, key));
  }
}

TEST_P(SrtpSessionTest, CapacityTooSmallIsRejected) {
  auto out = make(Direction::Outbound);
  ASSERT_TRUE(out);
  auto rtp = rtpPacket(1);
  const auto original = rtp;
  rtp.resize(rtp.size() + SrtpSession::kMaxTrailer);
  size_t n = original.size();
  EXPECT_FALSE(out->protectRtp(rtp.data(), n, original.size() + SrtpSession::kMaxTrailer - 1));
  EXPECT_EQ(n, original.size());
  EXPECT_TRUE(std::equal(original.begin(), original.end(), rtp.begin()));
  auto rtcp = rtcpPacket();
  n = rtcp.size();
  rtcp.resize(rtcp.size() + SrtpSession::kMaxTrailer);
  EXPECT_FALSE(out->protectRtcp(rtcp.data(), n, n + 4));
}

TEST_P(SrtpSessionTest, MalformedInputIsRejected) {
  auto out = make(Direction::Outbound);
  auto in = make(Direction::Inbound);
  ASSERT_TRUE(out && in);
  std::vector<uint8_t> buf(2048 + SrtpSession::kMaxTrailer);
  uint32_t x = 12345;
  for (size_t size = 0; size <= 200; ++size) {
    for (size_t i = 0; i < size; ++i) {
      x = x * 1103515245 + 12345;
      buf[i] = static_cast<uint8_t>(x >> 16);
    }
    size_t n = size;
    EXPECT_FALSE(in->unprotectRtp(buf.data(), n)) << size;
    n = size;
    EXPECT_FALSE(in->unprotectRtcp(buf.data(), n)) << size;
  }
  // Short packets, wrong version, CSRCs or extension running past the end.
  const std::vector<std::vector<uint8_t>> bad = {
      {},
      {0x80, 0x60, 0x00},
      {0x80, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0},
      {0x40, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1},
      {0x8f, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0},
      {0x90, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0x00, 0x09, 0, 0, 0, 0},
      {0x90, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde},
  };
  for (const auto& packet : bad) {
    std::vector<uint8_t> b(packet.size() + SrtpSession::kMaxTrailer);
    std::copy(packet.begin(), packet.end(), b.begin());
    size_t n = packet.size();
    EXPECT_FALSE(out->protectRtp(b.data(), n, b.size()));
    n = packet.size();
    EXPECT_FALSE(in->unprotectRtp(b.data(), n));
  }
  std::vector<uint8_t> rtcp = {0x80, 0xc9, 0x00};
  rtcp.resize(3 + SrtpSession::kMaxTrailer);
  size_t n = 3;
  EXPECT_FALSE(out->protectRtcp(rtcp.data(), n, rtcp.size()));
  // Oversized.
  std::vector<uint8_t> huge(70000 + SrtpSession::kMaxTrailer);
  huge[0] = 0x80;
  n = 70000;
  EXPECT_FALSE(out->protectRtp(huge.data(), n, huge.size()));
  EXPECT_FALSE(in->unprotectRtp(huge.data(), n));
  // A valid protected packet cut short.
  Buffer good(rtpPacket(77));
  ASSERT_TRUE(out->protectRtp(good.data(), good.size, good.capacity()));
  for (size_t cut = 1; cut <= tagSize() + 4; ++cut) {
    auto truncated = good.packet();
    size_t m = truncated.size() - cut;
    EXPECT_FALSE(in->unprotectRtp(truncated.data(), m)) << cut;
  }
}

TEST_P(SrtpSessionTest, DirectionIsEnforced) {
  auto out = make(Direction::Outbound);
  auto in = make(Direction::Inbound);
  ASSERT_TRUE(out && in);
  Buffer buf(rtpPacket(1));
  EXPECT_FALSE(in->protectRtp(buf.data(), buf.size, buf.capacity()));
  ASSERT_TRUE(out->protectRtp(buf.data(), buf.size, buf.capacity()));
  EXPECT_FALSE(out->unprotectRtp(buf.data(), buf.size));
}

TEST_P(SrtpSessionTest, CreateFromSeveralThreads) {
  // create() from racing threads: libsrtp is initialised once, every session works.
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto out = SrtpSession::create(profile(), Direction::Outbound, keyFor(profile(), 9));
      auto in = SrtpSession::create(profile(), Direction::Inbound, keyFor(profile(), 9));
      if (!out || !in) return;
      const auto plain = rtpPacket(static_cast<uint16_t>(t));
      Buffer buf(plain);
      ok[t] = out->protectRtp(buf.data(), buf.size, buf.capacity()) &&
              in->unprotectRtp(buf.data(), buf.size) && buf.packet() == plain;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(std::vector<int>(4, 1), ok);
}

INSTANTIATE_TEST_SUITE_P(SrtpProfiles, SrtpSessionTest,
                         ::testing::Values(SrtpProfile::AesCm128HmacSha1_80,
                                           SrtpProfile::AeadAes128Gcm),
                         [](const ::testing::TestParamInfo<SrtpProfile>& info) {
                           return info.param == SrtpProfile::AeadAes128Gcm ? "Gcm" : "Cm";
                         });

TEST(SrtpProfileTest, KeyMaterialSizes) {
  EXPECT_EQ(30u, srtpKeyMaterialSize(SrtpProfile::AesCm128HmacSha1_80));
  EXPECT_EQ(28u, srtpKeyMaterialSize(SrtpProfile::AeadAes128Gcm));
  static_assert(srtpKeyMaterialSize(SrtpProfile::AeadAes128Gcm) == 28);
}

// ---------------------------------------------------------------------------------------
// The primitives against published vectors and OpenSSL.

std::vector<uint8_t> fromHex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<uint8_t> bytesOf(const std::string& text) {
  return {text.begin(), text.end()};
}

std::vector<uint8_t> randomBytes(std::mt19937& rng, size_t size) {
  std::vector<uint8_t> out(size);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

std::vector<uint8_t> ourSha1(const std::vector<uint8_t>& data) {
  Sha1 h;
  h.update(data.data(), data.size());
  std::vector<uint8_t> digest(Sha1::kDigestSize);
  h.finish(digest.data());
  return digest;
}

std::vector<uint8_t> openSslSha1(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> digest(EVP_MAX_MD_SIZE);
  unsigned size = 0;
  EXPECT_EQ(1, EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha1(), nullptr));
  digest.resize(size);
  return digest;
}

TEST(Sha1Test, Rfc3174Vectors) {
  EXPECT_EQ(fromHex("A9993E364706816ABA3E25717850C26C9CD0D89D"), ourSha1(bytesOf("abc")));
  EXPECT_EQ(fromHex("84983E441C3BD26EBAAE4AA1F95129E5E54670F1"),
            ourSha1(bytesOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")));
  EXPECT_EQ(fromHex("34AA973CD4C4DAA4F61EEB2BDBAD27316534016F"),
            ourSha1(std::vector<uint8_t>(1000000, 'a')));
  EXPECT_EQ(fromHex("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"), ourSha1({}));
}

TEST(Sha1Test, MatchesOpenSslForEveryLengthAndSplit) {
  std::mt19937 rng(1);
  for (size_t size = 0; size <= 300; ++size) {
    const auto data = randomBytes(rng, size);
    const auto expected = openSslSha1(data);
    ASSERT_EQ(expected, ourSha1(data)) << size;
    // Fed in two pieces split anywhere.
    const size_t split = size == 0 ? 0 : rng() % (size + 1);
    Sha1 h;
    h.update(data.data(), split);
    h.update(data.data() + split, size - split);
    std::vector<uint8_t> digest(Sha1::kDigestSize);
    h.finish(digest.data());
    ASSERT_EQ(expected, digest) << size << " split at " << split;
  }
  const auto big = randomBytes(rng, 70000);
  EXPECT_EQ(openSslSha1(big), ourSha1(big));
}

TEST(Sha1Test, AcceleratedAndPortableBlockFunctionsAgree) {
  if (!Sha1::accelerationAvailable()) GTEST_SKIP() << "no SHA extensions on this CPU";
  std::mt19937 rng(2);
  for (size_t blocks = 1; blocks <= 20; ++blocks) {
    const auto data = randomBytes(rng, blocks * Sha1::kBlockSize);
    uint32_t a[5], b[5];
    for (int i = 0; i < 5; ++i) a[i] = b[i] = static_cast<uint32_t>(rng());
    Sha1::compressPortable(a, data.data(), blocks);
    Sha1::compressAccelerated(b, data.data(), blocks);
    ASSERT_EQ(0, std::memcmp(a, b, sizeof a)) << blocks;
  }
}

std::vector<uint8_t> ourHmac(const std::vector<uint8_t>& key, const std::vector<uint8_t>& data,
                             size_t split) {
  std::vector<uint8_t> tag(HmacSha1::kTagSize);
  HmacSha1(key).compute(std::span(data).first(split), std::span(data).subspan(split), tag.data());
  return tag;
}

TEST(HmacSha1Test, Rfc2202Vectors) {
  EXPECT_EQ(fromHex("b617318655057264e28bc0b6fb378c8ef146be00"),
            ourHmac(std::vector<uint8_t>(20, 0x0b), bytesOf("Hi There"), 3));
  EXPECT_EQ(fromHex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
            ourHmac(bytesOf("Jefe"), bytesOf("what do ya want for nothing?"), 0));
}

TEST(HmacSha1Test, MatchesOpenSsl) {
  std::mt19937 rng(3);
  for (size_t keySize : {size_t{1}, size_t{20}, size_t{64}, size_t{65}, size_t{100}}) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{55}, size_t{64}, size_t{1200}}) {
      const auto key = randomBytes(rng, keySize);
      const auto data = randomBytes(rng, size);
      std::vector<uint8_t> expected(EVP_MAX_MD_SIZE);
      size_t expectedSize = 0;
      ASSERT_NE(nullptr, EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA1", nullptr, key.data(),
                                   key.size(), data.data(), data.size(), expected.data(),
                                   expected.size(), &expectedSize));
      expected.resize(expectedSize);
      EXPECT_EQ(expected, ourHmac(key, data, size / 2)) << keySize << "/" << size;
    }
  }
}

TEST(SrtpKeyDerivationTest, Rfc3711AppendixB3) {
  const auto masterKey = fromHex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const auto masterSalt = fromHex("0EC675AD498AFEEBB6960B3AABE6");
  std::vector<uint8_t> key(16), salt(14), auth(20);
  ASSERT_TRUE(
      SrtpKeyDerivation::derive(masterKey, masterSalt, SrtpKeyDerivation::kRtpEncryption, key));
  ASSERT_TRUE(SrtpKeyDerivation::derive(masterKey, masterSalt, SrtpKeyDerivation::kRtpSalt, salt));
  ASSERT_TRUE(SrtpKeyDerivation::derive(masterKey, masterSalt,
                                        SrtpKeyDerivation::kRtpAuthentication, auth));
  EXPECT_EQ(fromHex("C61E7A93744F39EE10734AFE3FF7A087"), key);
  EXPECT_EQ(fromHex("30CBBC08863D8C85D49DB34A9AE1"), salt);
  EXPECT_EQ(fromHex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"), auth);
  // Wrong sizes are refused.
  EXPECT_FALSE(SrtpKeyDerivation::derive(std::span(masterKey).first(15), masterSalt,
                                         SrtpKeyDerivation::kRtpSalt, salt));
  std::vector<uint8_t> longSalt(15);
  EXPECT_FALSE(SrtpKeyDerivation::derive(masterKey, longSalt, SrtpKeyDerivation::kRtpSalt, salt));
}

// ---------------------------------------------------------------------------------------
// Interoperability, with libsrtp as the oracle (linked into the tests only).

// A libsrtp session set up as the SFU's previous libsrtp-based SrtpSession was, and as
// browsers' (libwebrtc's) are: wildcard SSRC, 1024-packet window, repeated sends allowed.
class LibSrtp {
 public:
  LibSrtp(SrtpProfile profile, Direction direction, const std::vector<uint8_t>& keyMaterial) {
    static std::once_flag once;
    static srtp_err_status_t initStatus = srtp_err_status_fail;
    std::call_once(once, [] { initStatus = srtp_init(); });
    if (initStatus != srtp_err_status_ok) return;
    srtp_policy_t policy;
    std::memset(&policy, 0, sizeof policy);
    if (profile == SrtpProfile::AeadAes128Gcm) {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
      srtp_crypto_policy_set_rtp_default(&policy.rtp);
      srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    }
    policy.ssrc.type = direction == Direction::Inbound ? ssrc_any_inbound : ssrc_any_outbound;
    std::vector<uint8_t> key = keyMaterial;
    policy.key = key.data();
    policy.window_size = 1024;
    policy.allow_repeat_tx = 1;
    if (srtp_create(&ctx_, &policy) != srtp_err_status_ok) ctx_ = nullptr;
  }
  ~LibSrtp() {
    if (ctx_) srtp_dealloc(ctx_);
  }
  LibSrtp(const LibSrtp&) = delete;
  LibSrtp& operator=(const LibSrtp&) = delete;

  bool ok() const { return ctx_ != nullptr; }
  bool protectRtp(std::vector<uint8_t>& p) { return grow(p, srtp_protect); }
  bool protectRtcp(std::vector<uint8_t>& p) { return grow(p, srtp_protect_rtcp); }
  bool unprotectRtp(std::vector<uint8_t>& p) { return shrink(p, srtp_unprotect); }
  bool unprotectRtcp(std::vector<uint8_t>& p) { return shrink(p, srtp_unprotect_rtcp); }

 private:
  using Operation = srtp_err_status_t (*)(srtp_t, void*, int*);
  bool grow(std::vector<uint8_t>& p, Operation op) {
    const size_t size = p.size();
    p.resize(size + SRTP_MAX_TRAILER_LEN);
    int length = static_cast<int>(size);
    const bool ok = op(ctx_, p.data(), &length) == srtp_err_status_ok;
    p.resize(ok ? static_cast<size_t>(length) : size);
    return ok;
  }
  bool shrink(std::vector<uint8_t>& p, Operation op) {
    int length = static_cast<int>(p.size());
    if (op(ctx_, p.data(), &length) != srtp_err_status_ok) return false;
    p.resize(static_cast<size_t>(length));
    return true;
  }

  srtp_t ctx_ = nullptr;
};

// Our session, on vectors.
bool protectRtp(SrtpSession& s, std::vector<uint8_t>& p) {
  size_t size = p.size();
  p.resize(size + SrtpSession::kMaxTrailer);
  const bool ok = s.protectRtp(p.data(), size, p.size());
  p.resize(size);
  return ok;
}
bool protectRtcp(SrtpSession& s, std::vector<uint8_t>& p) {
  size_t size = p.size();
  p.resize(size + SrtpSession::kMaxTrailer);
  const bool ok = s.protectRtcp(p.data(), size, p.size());
  p.resize(size);
  return ok;
}
bool unprotectRtp(SrtpSession& s, std::vector<uint8_t>& p) {
  size_t size = p.size();
  const bool ok = s.unprotectRtp(p.data(), size);
  if (ok) p.resize(size);
  return ok;
}
bool unprotectRtcp(SrtpSession& s, std::vector<uint8_t>& p) {
  size_t size = p.size();
  const bool ok = s.unprotectRtcp(p.data(), size);
  if (ok) p.resize(size);
  return ok;
}

struct RtpShape {
  uint8_t csrcs = 0;
  size_t extensionWords = 0;  // 0: no extension
  bool twoByteExtension = false;
  size_t padding = 0;  // 0: P bit clear
  size_t payload = 100;
};

std::vector<uint8_t> shapedRtp(std::mt19937& rng, uint16_t seq, uint32_t ssrc,
                               const RtpShape& shape) {
  std::vector<uint8_t> p;
  const bool extension = shape.extensionWords > 0;
  p.push_back(static_cast<uint8_t>(0x80 | (shape.padding ? 0x20 : 0) | (extension ? 0x10 : 0) |
                                   shape.csrcs));
  p.push_back(static_cast<uint8_t>((rng() & 0x80) | 96));
  p.push_back(static_cast<uint8_t>(seq >> 8));
  p.push_back(static_cast<uint8_t>(seq));
  put32(p, static_cast<uint32_t>(rng()));
  put32(p, ssrc);
  for (uint8_t i = 0; i < shape.csrcs; ++i) put32(p, static_cast<uint32_t>(rng()));
  if (extension) {
    put32(p, (shape.twoByteExtension ? 0x10000000u : 0xBEDE0000u) |
                 static_cast<uint32_t>(shape.extensionWords));
    for (size_t i = 0; i < 4 * shape.extensionWords; ++i) p.push_back(static_cast<uint8_t>(rng()));
  }
  for (size_t i = 0; i < shape.payload; ++i) p.push_back(static_cast<uint8_t>(rng()));
  for (size_t i = 1; i < shape.padding; ++i) p.push_back(0);
  if (shape.padding) p.push_back(static_cast<uint8_t>(shape.padding));
  return p;
}

// A compound packet as browsers send them: SR or RR, SDES, and some feedback.
std::vector<uint8_t> compoundRtcp(std::mt19937& rng, uint32_t ssrc, int variant) {
  std::vector<uint8_t> p;
  auto block = [&](uint8_t first, uint8_t type, size_t words) {
    p.push_back(first);
    p.push_back(type);
    p.push_back(static_cast<uint8_t>(words >> 8));
    p.push_back(static_cast<uint8_t>(words));
    put32(p, ssrc);
    for (size_t i = 1; i < words; ++i) put32(p, static_cast<uint32_t>(rng()));
  };
  if (variant % 2 == 0) {
    block(0x81, 200, 12);  // SR with one report block
  } else {
    block(0x81, 201, 7);  // RR with one report block
  }
  block(0x81, 202, 3);                        // SDES, one chunk
  if (variant % 3 == 0) block(0x81, 206, 2);  // PLI
  if (variant % 3 == 1) block(0x81, 205, 3);  // generic NACK
  return p;
}

std::vector<uint8_t> randomKey(SrtpProfile profile, std::mt19937& rng) {
  return randomBytes(rng, srtpKeyMaterialSize(profile));
}

class SrtpInteropTest : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  SrtpProfile profile() const { return GetParam(); }
  size_t tagSize() const { return profile() == SrtpProfile::AeadAes128Gcm ? 16 : 10; }

  // Both sides of one key: ours and libsrtp's, sending and receiving.
  struct Peers {
    std::unique_ptr<SrtpSession> ourOut, ourIn;
    std::unique_ptr<LibSrtp> theirOut, theirIn;
  };
  Peers peers(std::mt19937& rng) {
    const auto key = randomKey(profile(), rng);
    Peers p;
    p.ourOut = SrtpSession::create(profile(), Direction::Outbound, key);
    p.ourIn = SrtpSession::create(profile(), Direction::Inbound, key);
    p.theirOut = std::make_unique<LibSrtp>(profile(), Direction::Outbound, key);
    p.theirIn = std::make_unique<LibSrtp>(profile(), Direction::Inbound, key);
    EXPECT_TRUE(p.ourOut && p.ourIn && p.theirOut->ok() && p.theirIn->ok());
    return p;
  }

  // One RTP packet through all four: our protect must equal libsrtp's byte for byte (the
  // same key and index give the same bytes), and each side must take the other's.
  void exchangeRtp(Peers& p, const std::vector<uint8_t>& plain) {
    auto ours = plain;
    auto theirs = plain;
    ASSERT_TRUE(protectRtp(*p.ourOut, ours));
    ASSERT_TRUE(p.theirOut->protectRtp(theirs));
    ASSERT_EQ(theirs, ours) << "seq " << (plain[2] << 8 | plain[3]);
    ASSERT_EQ(plain.size() + tagSize(), ours.size());
    ASSERT_TRUE(p.theirIn->unprotectRtp(ours));
    EXPECT_EQ(plain, ours);
    ASSERT_TRUE(unprotectRtp(*p.ourIn, theirs));
    EXPECT_EQ(plain, theirs);
  }
};

TEST_P(SrtpInteropTest, RtpOfEveryShapeBothWays) {
  std::mt19937 rng(10);
  const std::vector<RtpShape> shapes = {
      {},                     // plain
      {.csrcs = 3},           // CSRCs
      {.extensionWords = 2},  // one-byte extensions
      {.extensionWords = 3, .twoByteExtension = true},
      {.csrcs = 15, .extensionWords = 1},  // all CSRCs and an extension
      {.padding = 4, .payload = 60},       // padding bit: the padding is encrypted too
      {.csrcs = 1, .extensionWords = 1, .padding = 1, .payload = 1099},
      {.payload = 0},  // header only
      {.payload = 1},
      {.payload = 1200},
  };
  for (int round = 0; round < 3; ++round) {
    Peers p = peers(rng);
    ASSERT_TRUE(p.ourOut && p.ourIn);
    for (uint32_t ssrc : {0x11111111u, 0x22222222u, 0xFFFFFFFFu, 0u}) {
      uint16_t seq = static_cast<uint16_t>(rng());
      for (const auto& shape : shapes) {
        exchangeRtp(p, shapedRtp(rng, seq++, ssrc, shape));
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST_P(SrtpInteropTest, RtpAcrossTheSequenceNumberWrap) {
  std::mt19937 rng(11);
  Peers p = peers(rng);
  ASSERT_TRUE(p.ourOut && p.ourIn);
  // Two SSRCs interleaved across 65535 -> 0 (ROC 0 -> 1); then the second one in big steps
  // (each well below half the sequence space, so no side can mistake the ROC) through
  // several more wraps, and once more one by one across a wrap.
  uint16_t a = 65525, b = 65530;
  for (int i = 0; i < 30; ++i) {
    exchangeRtp(p, shapedRtp(rng, a++, 0xA, {.payload = 20}));
    exchangeRtp(p, shapedRtp(rng, b++, 0xB, {.payload = 20}));
    if (HasFatalFailure()) return;
  }
  for (int i = 0; i < 30; ++i) {
    b = static_cast<uint16_t>(b + 12345);
    exchangeRtp(p, shapedRtp(rng, b, 0xB, {.payload = 20}));
    if (HasFatalFailure()) return;
  }
  for (b = 65520; b != 20; ++b) {
    exchangeRtp(p, shapedRtp(rng, b, 0xB, {.payload = 20}));
    if (HasFatalFailure()) return;
  }
  exchangeRtp(p, shapedRtp(rng, a, 0xA, {.payload = 20}));
}

TEST_P(SrtpInteropTest, RtpReorderedAroundTheWrap) {
  std::mt19937 rng(12);
  Peers p = peers(rng);
  ASSERT_TRUE(p.ourOut && p.ourIn);
  // In sending order (as NACK retransmissions and pacing produce it) and in arrival order.
  for (uint16_t seq : {65530, 65533, 65535, 65534, 1, 0, 2, 65531, 65532, 3, 4, 65529}) {
    exchangeRtp(p, shapedRtp(rng, seq, 0xC, {.payload = 30}));
    if (HasFatalFailure()) return;
  }
}

TEST_P(SrtpInteropTest, RtpJumpsEarlyInAStream) {
  std::mt19937 rng(20);
  Peers p = peers(rng);
  ASSERT_TRUE(p.ourOut && p.ourIn);
  // More than half the sequence space ahead while the ROC is 0 is not a packet from before
  // a wrap (there was none): ROC stays 0. Then a real wrap.
  for (uint16_t seq : {10, 40000, 50000, 100, 101, 20000}) {
    exchangeRtp(p, shapedRtp(rng, seq, 0x3, {.payload = 30}));
    if (HasFatalFailure()) return;
  }
}

TEST_P(SrtpInteropTest, LibsrtpStreamArrivingShuffled) {
  std::mt19937 rng(13);
  Peers p = peers(rng);
  ASSERT_TRUE(p.ourOut && p.ourIn);
  std::vector<std::vector<uint8_t>> plain, wire;
  for (int i = 0; i < 600; ++i) {
    plain.push_back(shapedRtp(rng, static_cast<uint16_t>(65300 + i), 0xD, {.payload = 40}));
    wire.push_back(plain.back());
    ASSERT_TRUE(p.theirOut->protectRtp(wire.back()));
  }
  // Reordered by up to 200 packets, which the 1024-packet window absorbs.
  std::vector<size_t> order(plain.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = 0; i + 1 < order.size(); ++i)
    std::swap(order[i], order[i + rng() % std::min<size_t>(200, order.size() - i)]);
  for (size_t i : order) {
    auto packet = wire[i];
    ASSERT_TRUE(unprotectRtp(*p.ourIn, packet)) << i;
    EXPECT_EQ(plain[i], packet);
  }
  // Everything again: all replays.
  for (auto packet : wire) EXPECT_FALSE(unprotectRtp(*p.ourIn, packet));
}

TEST_P(SrtpInteropTest, RetransmissionIsIdenticalToLibsrtps) {
  std::mt19937 rng(14);
  Peers p = peers(rng);
  ASSERT_TRUE(p.ourOut && p.ourIn);
  std::vector<std::vector<uint8_t>> sent;
  for (uint16_t seq = 100; seq < 110; ++seq) {
    sent.push_back(shapedRtp(rng, seq, 0xE, {.payload = 50}));
    auto ours = sent.back();
    ASSERT_TRUE(protectRtp(*p.ourOut, ours));
  }
  for (size_t i : {size_t{5}, size_t{2}, size_t{9}}) {
    auto ours = sent[i];
    auto theirs = sent[i];
    ASSERT_TRUE(protectRtp(*p.ourOut, ours));
    // libsrtp's sender saw only this packet: the first time for it, same index.
    ASSERT_TRUE(p.theirOut->protectRtp(theirs));
    EXPECT_EQ(theirs, ours);
  }
}

TEST_P(SrtpInteropTest, RtcpCompoundBothWays) {
  std::mt19937 rng(15);
  for (int round = 0; round < 2; ++round) {
    Peers p = peers(rng);
    ASSERT_TRUE(p.ourOut && p.ourIn);
    for (int i = 0; i < 30; ++i) {
      const uint32_t ssrc = 0x1000u + static_cast<uint32_t>(i % 3);
      const auto plain = compoundRtcp(rng, ssrc, i);
      auto ours = plain;
      ASSERT_TRUE(protectRtcp(*p.ourOut, ours));
      EXPECT_EQ(plain.size() + 4 + tagSize(), ours.size());
      EXPECT_EQ(0, std::memcmp(ours.data(), plain.data(), 8));  // header and SSRC in the clear
      ASSERT_TRUE(p.theirIn->unprotectRtcp(ours)) << i;
      EXPECT_EQ(plain, ours);

      auto theirs = plain;
      ASSERT_TRUE(p.theirOut->protectRtcp(theirs));
      auto again = theirs;
      ASSERT_TRUE(unprotectRtcp(*p.ourIn, theirs)) << i;
      EXPECT_EQ(plain, theirs);
      EXPECT_FALSE(unprotectRtcp(*p.ourIn, again));  // a replay
    }
  }
}

TEST_P(SrtpInteropTest, RtcpFromLibsrtpOutOfOrder) {
  std::mt19937 rng(16);
  Peers p = peers(rng);
  ASSERT_TRUE(p.ourOut && p.ourIn);
  std::vector<std::vector<uint8_t>> plain, wire;
  for (int i = 0; i < 40; ++i) {
    plain.push_back(compoundRtcp(rng, 0x77, i));
    wire.push_back(plain.back());
    ASSERT_TRUE(p.theirOut->protectRtcp(wire.back()));
  }
  for (int i : {5, 1, 0, 7, 6, 39, 20, 2}) {
    auto packet = wire[static_cast<size_t>(i)];
    ASSERT_TRUE(unprotectRtcp(*p.ourIn, packet)) << i;
    EXPECT_EQ(plain[static_cast<size_t>(i)], packet);
  }
}

TEST_P(SrtpInteropTest, TamperedLibsrtpPacketsFail) {
  std::mt19937 rng(17);
  Peers p = peers(rng);
  ASSERT_TRUE(p.ourOut && p.ourIn);
  auto rtp = shapedRtp(rng, 500, 0xF, {.csrcs = 1, .extensionWords = 1, .payload = 80});
  ASSERT_TRUE(p.theirOut->protectRtp(rtp));
  for (size_t at = 0; at < rtp.size(); ++at) {
    auto copy = rtp;
    copy[at] ^= 0x04;
    EXPECT_FALSE(unprotectRtp(*p.ourIn, copy)) << at;
  }
  auto rtcp = compoundRtcp(rng, 0xF, 0);
  ASSERT_TRUE(p.theirOut->protectRtcp(rtcp));
  for (size_t at = 0; at < rtcp.size(); ++at) {
    auto copy = rtcp;
    copy[at] ^= 0x04;
    EXPECT_FALSE(unprotectRtcp(*p.ourIn, copy)) << at;
  }
  // After all that, the genuine ones still pass.
  EXPECT_TRUE(unprotectRtp(*p.ourIn, rtp));
  EXPECT_TRUE(unprotectRtcp(*p.ourIn, rtcp));
}

TEST_P(SrtpInteropTest, InboundReplayWindow) {
  std::mt19937 rng(18);
  Peers p = peers(rng);
  ASSERT_TRUE(p.ourOut && p.ourIn);
  std::vector<std::vector<uint8_t>> wire;
  for (int i = 0; i < 3000; ++i) {
    wire.push_back(shapedRtp(rng, static_cast<uint16_t>(i), 0x99, {.payload = 10}));
    ASSERT_TRUE(protectRtp(*p.ourOut, wire.back()));
  }
  auto deliver = [&](size_t i) {
    auto packet = wire[i];
    return unprotectRtp(*p.ourIn, packet);
  };
  EXPECT_TRUE(deliver(2000));
  EXPECT_TRUE(deliver(1000));   // 1000 behind: inside the window
  EXPECT_FALSE(deliver(1000));  // replay
  EXPECT_FALSE(deliver(976));   // 1024 behind: just outside
  EXPECT_TRUE(deliver(977));    // 1023 behind: the oldest one inside
  EXPECT_FALSE(deliver(5));
  EXPECT_TRUE(deliver(2999));
  EXPECT_FALSE(deliver(2000));  // still remembered
  EXPECT_TRUE(deliver(1999));
  EXPECT_FALSE(deliver(1975));  // now too old
}

TEST_P(SrtpInteropTest, MoreSsrcsThanTheTableHolds) {
  std::mt19937 rng(19);
  Peers p = peers(rng);
  ASSERT_TRUE(p.ourOut && p.ourIn);
  // Round robin over more SSRCs than kMaxStreams: the first kMaxStreams work both ways all
  // along, like libsrtp; the ones past them are refused by our sessions, each time.
  const uint32_t streams = SrtpSession::kMaxStreams + 5;
  for (int i = 0; i < 4 * static_cast<int>(streams); ++i) {
    const uint32_t n = static_cast<uint32_t>(i) % streams;
    const auto plain = shapedRtp(rng, static_cast<uint16_t>(1000 + i), 0x500u + n, {.payload = 16});
    if (n < SrtpSession::kMaxStreams) {
      exchangeRtp(p, plain);
      if (HasFatalFailure()) return;
      continue;
    }
    auto ours = plain;
    EXPECT_FALSE(protectRtp(*p.ourOut, ours)) << n;
    auto theirs = plain;
    ASSERT_TRUE(p.theirOut->protectRtp(theirs));
    EXPECT_FALSE(unprotectRtp(*p.ourIn, theirs)) << n;
  }
  EXPECT_GT(p.ourIn->refusedSsrcPackets(), 0u);
  EXPECT_GT(p.ourOut->refusedSsrcPackets(), 0u);
}

INSTANTIATE_TEST_SUITE_P(SrtpProfiles, SrtpInteropTest,
                         ::testing::Values(SrtpProfile::AesCm128HmacSha1_80,
                                           SrtpProfile::AeadAes128Gcm),
                         [](const ::testing::TestParamInfo<SrtpProfile>& info) {
                           return info.param == SrtpProfile::AeadAes128Gcm ? "Gcm" : "Cm";
                         });

}  // namespace
}  // namespace parley::media::srtp
