#include "media/rtcp/TransportFeedback.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::rtcp {
namespace {

// base seq 10, 20 statuses, reference time -1 (0xFFFFFF), fb count 5.
// Chunks:
//   run-length: symbol 1 (small delta), run 3          → 0b0 01 0000000000011 = 0x2003
//   vector 1-bit, 14 symbols: 1 0 0 1 0 0 0 0 0 0 0 0 0 0 → 0b1 0 10010000000000 = 0xA400
//   vector 2-bit, 7 symbols (only 3 used): 2 0 1 | 0 0 0 0 → 0b1 1 10 00 01 00 00 00 00
//                                                          = 0xE100
// Statuses: seq 10..12 small, 13 small, 14 lost, 15 lost, 16 small, 17..26 lost,
//           27 large, 28 lost, 29 small.
// Deltas: 10:4 11:8 12:0 13:255 16:1 (1 byte each), 27:-4 (2 bytes), 29:2 → 9 bytes
const std::vector<uint8_t> kTwcc = {
    0x8F, 0xCD, 0x00, 0x08,        // V=2 FMT=15 PT=205 length 8 (36 bytes)
    0x00, 0x00, 0x00, 0x01,        // sender SSRC
    0x00, 0x00, 0x00, 0x02,        // media SSRC
    0x00, 0x0A, 0x00, 0x14,        // base seq 10, status count 20
    0xFF, 0xFF, 0xFF, 0x05,        // reference time -1, fb count 5
    0x20, 0x03,                    // run-length chunk
    0xA4, 0x00,                    // 1-bit vector
    0xE1, 0x00,                    // 2-bit vector
    0x04, 0x08, 0x00, 0xFF, 0x01,  // small deltas
    0xFF, 0xFC,                    // large delta -4
    0x02,                          // small delta
    0x00, 0x00,                    // zero padding to 36 bytes (no P bit)
};

TEST(TransportFeedbackTest, ParsesHeader) {
  ASSERT_EQ(kTwcc.size(), 36u);
  const auto fb = TransportFeedback::parse(kTwcc.data(), kTwcc.size());
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->senderSsrc(), 1u);
  EXPECT_EQ(fb->mediaSsrc(), 2u);
  EXPECT_EQ(fb->baseSequenceNumber(), 10);
  EXPECT_EQ(fb->packetStatusCount(), 20);
  EXPECT_EQ(fb->referenceTime(), -1);
  EXPECT_EQ(fb->feedbackPacketCount(), 5);
  EXPECT_EQ(fb->receivedCount(), 7u);
}

TEST(TransportFeedbackTest, WalksStatusesAndDeltas) {
  const auto fb = TransportFeedback::parse(kTwcc.data(), kTwcc.size());
  ASSERT_TRUE(fb);
  std::vector<TransportFeedback::Packet> got;
  fb->forEachPacket([&](const TransportFeedback::Packet& p) { got.push_back(p); });
  ASSERT_EQ(got.size(), 20u);
  struct Want {
    uint16_t seq;
    int32_t delta;
  };
  const Want received[] = {{10, 4}, {11, 8}, {12, 0}, {13, 255}, {16, 1}, {27, -4}, {29, 2}};
  size_t r = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].sequenceNumber, 10 + i);
    if (r < 7 && got[i].sequenceNumber == received[r].seq) {
      EXPECT_TRUE(got[i].received) << i;
      EXPECT_EQ(got[i].deltaTicks, received[r].delta) << i;
      ++r;
    } else {
      EXPECT_FALSE(got[i].received) << i;
      EXPECT_EQ(got[i].deltaTicks, 0);
    }
  }
  EXPECT_EQ(r, 7u);
}

TEST(TransportFeedbackTest, RejectsTruncationAndMissingDeltas) {
  for (size_t n = 0; n < kTwcc.size(); ++n)
    EXPECT_FALSE(TransportFeedback::parse(kTwcc.data(), n)) << n;
  // Claim 36 bytes of content but drop the length to 7 words: the deltas no longer fit.
  auto bytes = kTwcc;
  bytes[3] = 0x06;  // 28 bytes: header 20 + chunks 6 + 2 delta bytes
  EXPECT_FALSE(TransportFeedback::parse(bytes.data(), 28));
  // A first chunk of 20 large deltas needs 40 delta bytes.
  bytes = kTwcc;
  bytes[20] = 0x40;
  bytes[21] = 0x14;
  EXPECT_FALSE(TransportFeedback::parse(bytes.data(), bytes.size()));
}

TEST(TransportFeedbackTest, RejectsReservedSymbol) {
  auto bytes = kTwcc;
  bytes[20] = 0x60;  // run-length chunk with symbol 3
  EXPECT_FALSE(TransportFeedback::parse(bytes.data(), bytes.size()));
  bytes = kTwcc;
  bytes[24] = 0xF1;  // 2-bit vector whose first symbol is 3
  EXPECT_FALSE(TransportFeedback::parse(bytes.data(), bytes.size()));
}

TEST(TransportFeedbackTest, LongRunOfLostPackets) {
  // 8000 lost packets in one run-length chunk, seq wrapping from 65000.
  const std::vector<uint8_t> bytes = {
      0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2,  //
      0xFD, 0xE8, 0x1F, 0x40,                          // base 65000, count 8000
      0x00, 0x00, 0x01, 0x00,                          // ref 1, fb count 0
      0x1F, 0x40, 0x00, 0x00,                          // run symbol 0, 8000; pad
  };
  const auto fb = TransportFeedback::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->referenceTime(), 1);
  EXPECT_EQ(fb->receivedCount(), 0u);
  size_t n = 0;
  uint16_t last = 0;
  fb->forEachPacket([&](const TransportFeedback::Packet& p) {
    ++n;
    last = p.sequenceNumber;
    EXPECT_FALSE(p.received);
  });
  EXPECT_EQ(n, 8000u);
  EXPECT_EQ(last, static_cast<uint16_t>(65000 + 7999));
}

}  // namespace
}  // namespace parley::media::rtcp

namespace parley::media::rtcp {
namespace {

std::vector<TransportFeedback::Packet> roundTrip(const std::vector<TransportFeedback::Packet>& in,
                                                 size_t* sizeOut = nullptr) {
  TransportFeedback::Header h;
  h.senderSsrc = 1;
  h.mediaSsrc = 2;
  h.baseSequenceNumber = 65530;
  h.referenceTime = -5;
  h.feedbackPacketCount = 9;
  std::vector<uint8_t> out(70000);
  const size_t n = TransportFeedback::build(out.data(), out.size(), h, in.data(), in.size());
  if (sizeOut) *sizeOut = n;
  if (n == 0) return {};
  for (size_t cap = n > 64 ? n - 4 : 0; cap < n; ++cap)
    EXPECT_EQ(TransportFeedback::build(out.data(), cap, h, in.data(), in.size()), 0u);
  const auto fb = TransportFeedback::parse(out.data(), n);
  EXPECT_TRUE(fb);
  if (!fb) return {};
  EXPECT_EQ(fb->senderSsrc(), 1u);
  EXPECT_EQ(fb->mediaSsrc(), 2u);
  EXPECT_EQ(fb->baseSequenceNumber(), 65530);
  EXPECT_EQ(fb->referenceTime(), -5);
  EXPECT_EQ(fb->feedbackPacketCount(), 9);
  std::vector<TransportFeedback::Packet> back;
  fb->forEachPacket([&](const TransportFeedback::Packet& p) { back.push_back(p); });
  for (size_t i = 0; i < back.size(); ++i)
    EXPECT_EQ(back[i].sequenceNumber, static_cast<uint16_t>(65530 + i));
  return back;
}

bool same(const std::vector<TransportFeedback::Packet>& a,
          const std::vector<TransportFeedback::Packet>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].received != b[i].received || a[i].deltaTicks != b[i].deltaTicks) return false;
  return true;
}

TEST(TransportFeedbackTest, BuildRoundTripMixedPatterns) {
  std::vector<TransportFeedback::Packet> in;
  uint32_t x = 12345;
  for (int i = 0; i < 500; ++i) {
    x = x * 1103515245u + 12345u;
    TransportFeedback::Packet p;
    const unsigned r = (x >> 16) % 10;
    if (i >= 100 && i < 160) {
      p.received = false;  // a long lost run
    } else if (r < 2) {
      p.received = false;
    } else if (r < 8) {
      p.received = true;
      p.deltaTicks = static_cast<int32_t>((x >> 8) & 0xFF);
    } else {
      p.received = true;
      p.deltaTicks = static_cast<int32_t>((x >> 4) & 0x7FFF) - 16384;
    }
    in.push_back(p);
  }
  EXPECT_TRUE(same(roundTrip(in), in));
}

TEST(TransportFeedbackTest, BuildSinglesAndUniformRuns) {
  for (size_t count : {1u, 2u, 7u, 13u, 14u, 15u, 8191u, 8192u, 20000u}) {
    for (int kind = 0; kind < 3; ++kind) {
      std::vector<TransportFeedback::Packet> in(count);
      for (auto& p : in) {
        p.received = kind != 0;
        p.deltaTicks = kind == 1 ? 3 : kind == 2 ? -3 : 0;
      }
      size_t n = 0;
      EXPECT_TRUE(same(roundTrip(in, &n), in)) << count << " " << kind;
      EXPECT_EQ(n % 4, 0u);
    }
  }
}

TEST(TransportFeedbackTest, BuildRejectsUnencodable) {
  TransportFeedback::Header h;
  uint8_t out[64];
  TransportFeedback::Packet p;
  p.received = true;
  p.deltaTicks = 40000;
  EXPECT_EQ(TransportFeedback::build(out, sizeof out, h, &p, 1), 0u);
  p.deltaTicks = 1;
  EXPECT_EQ(TransportFeedback::build(out, sizeof out, h, &p, 0), 0u);
  h.referenceTime = 0x800000;
  EXPECT_EQ(TransportFeedback::build(out, sizeof out, h, &p, 1), 0u);
  h.referenceTime = 0;
  EXPECT_EQ(TransportFeedback::build(out, sizeof out, h, &p, 1), 24u);
}

}  // namespace
}  // namespace parley::media::rtcp
