#include "media/srtp/SrtpSession.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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

}  // namespace
}  // namespace parley::media::srtp
