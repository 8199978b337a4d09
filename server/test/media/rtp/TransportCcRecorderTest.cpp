#include "media/rtp/TransportCcRecorder.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "media/rtcp/TransportFeedback.h"

namespace parley::media::rtp {
namespace {

using rtcp::TransportFeedback;

// One feedback packet as the sender of the media would read it.
struct Decoded {
  uint16_t base = 0;
  uint16_t count = 0;
  int32_t referenceTime = 0;
  uint8_t feedbackCount = 0;
  std::vector<uint16_t> seqs;             // every status, in order
  std::map<uint16_t, int64_t> arrivalUs;  // received ones, reconstructed
  std::vector<uint16_t> lost;
};

std::optional<Decoded> decode(const uint8_t* data, size_t size) {
  const auto fb = TransportFeedback::parse(data, size);
  if (!fb) return std::nullopt;
  Decoded d;
  d.base = fb->baseSequenceNumber();
  d.count = fb->packetStatusCount();
  d.referenceTime = fb->referenceTime();
  d.feedbackCount = fb->feedbackPacketCount();
  int64_t us = int64_t{fb->referenceTime()} * TransportFeedback::kReferenceUnitUs;
  fb->forEachPacket([&](const TransportFeedback::Packet& p) {
    d.seqs.push_back(p.sequenceNumber);
    if (p.received) {
      us += int64_t{p.deltaTicks} * TransportFeedback::kDeltaUnitUs;
      d.arrivalUs[p.sequenceNumber] = us;
    } else {
      d.lost.push_back(p.sequenceNumber);
    }
  });
  return d;
}

// Builds until the recorder has nothing left; every packet must parse.
std::vector<Decoded> drain(TransportCcRecorder& r, size_t capacity = 1500) {
  std::vector<Decoded> all;
  std::vector<uint8_t> buf(capacity);
  for (int guard = 0; guard < 1000; ++guard) {
    const size_t n = r.buildFeedback(buf.data(), buf.size(), 0x11111111, 0x22222222);
    if (n == 0) break;
    EXPECT_LE(n, capacity);
    EXPECT_EQ(n % 4, 0u);
    auto d = decode(buf.data(), n);
    EXPECT_TRUE(d);
    if (!d) break;
    all.push_back(*d);
  }
  return all;
}

void expectNear(const Decoded& d, uint16_t seq, int64_t arrivalUs) {
  const auto it = d.arrivalUs.find(seq);
  ASSERT_NE(it, d.arrivalUs.end()) << seq;
  // Rounded down to 250 µs ticks, never drifting.
  EXPECT_LE(it->second, arrivalUs) << seq;
  EXPECT_GT(it->second, arrivalUs - TransportFeedback::kDeltaUnitUs) << seq;
}

TEST(TransportCcRecorderTest, NothingRecordedNothingBuilt) {
  TransportCcRecorder r;
  std::array<uint8_t, 200> buf{};
  EXPECT_EQ(r.buildFeedback(buf.data(), buf.size(), 1, 2), 0u);
}

TEST(TransportCcRecorderTest, RoundTrip) {
  TransportCcRecorder r;
  std::map<uint16_t, int64_t> sent;
  for (uint16_t i = 0; i < 50; ++i) {
    const int64_t us = 5'000'123 + i * 4'937;  // not on tick boundaries
    r.onPacket(static_cast<uint16_t>(100 + i), us);
    sent[static_cast<uint16_t>(100 + i)] = us;
  }
  std::array<uint8_t, 1500> buf{};
  const size_t n = r.buildFeedback(buf.data(), buf.size(), 0xAABBCCDD, 0x01020304);
  ASSERT_GT(n, 0u);
  const auto fb = TransportFeedback::parse(buf.data(), n);
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->senderSsrc(), 0xAABBCCDDu);
  EXPECT_EQ(fb->mediaSsrc(), 0x01020304u);
  const auto d = decode(buf.data(), n);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->base, 100);
  EXPECT_EQ(d->count, 50);
  EXPECT_EQ(d->referenceTime, 5'000'123 / 64'000);
  EXPECT_TRUE(d->lost.empty());
  for (const auto& [seq, us] : sent) expectNear(*d, seq, us);
  // Nothing new.
  EXPECT_EQ(r.buildFeedback(buf.data(), buf.size(), 1, 2), 0u);
}

TEST(TransportCcRecorderTest, GapsAreReportedNotReceived) {
  TransportCcRecorder r;
  r.onPacket(100, 1'000'000);
  r.onPacket(101, 1'001'000);
  r.onPacket(104, 1'004'000);
  r.onPacket(105, 1'005'000);
  const auto all = drain(r);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].base, 100);
  EXPECT_EQ(all[0].count, 6);
  EXPECT_EQ(all[0].lost, (std::vector<uint16_t>{102, 103}));
  expectNear(all[0], 105, 1'005'000);
  // A packet reported lost that arrives after all is not reported again.
  r.onPacket(102, 1'010'000);
  EXPECT_TRUE(drain(r).empty());
  // The next feedback starts after the last one.
  r.onPacket(107, 1'020'000);
  const auto next = drain(r);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].base, 106);
  EXPECT_EQ(next[0].lost, (std::vector<uint16_t>{106}));
  expectNear(next[0], 107, 1'020'000);
}

TEST(TransportCcRecorderTest, ReorderingGivesNegativeDeltas) {
  TransportCcRecorder r;
  r.onPacket(11, 2'000'000);  // ahead of 10, which becomes the base
  r.onPacket(10, 2'003'000);
  r.onPacket(13, 2'004'000);
  r.onPacket(12, 2'010'000);
  const auto all = drain(r);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].base, 10);
  EXPECT_EQ(all[0].count, 4);
  EXPECT_TRUE(all[0].lost.empty());
  expectNear(all[0], 10, 2'003'000);
  expectNear(all[0], 11, 2'000'000);
  expectNear(all[0], 12, 2'010'000);
  expectNear(all[0], 13, 2'004'000);
}

TEST(TransportCcRecorderTest, DuplicateKeepsFirstArrival) {
  TransportCcRecorder r;
  r.onPacket(7, 1'000'000);
  r.onPacket(7, 1'500'000);
  r.onPacket(8, 1'001'000);
  r.onPacket(8, 1'002'000);
  const auto all = drain(r);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].count, 2);
  expectNear(all[0], 7, 1'000'000);
  expectNear(all[0], 8, 1'001'000);
}

TEST(TransportCcRecorderTest, WrapAround) {
  TransportCcRecorder r;
  std::map<uint16_t, int64_t> sent;
  for (uint16_t seq = 65530, i = 0; i < 12; ++seq, ++i) {
    if (seq == 65535 || seq == 1) continue;  // lost around the wrap
    r.onPacket(seq, 3'000'000 + i * 1000);
    sent[seq] = 3'000'000 + i * 1000;
  }
  const auto all = drain(r);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].base, 65530);
  EXPECT_EQ(all[0].count, 12);
  EXPECT_EQ(all[0].seqs.back(), 5);
  EXPECT_EQ(all[0].lost, (std::vector<uint16_t>{65535, 1}));
  for (const auto& [seq, us] : sent) expectNear(all[0], seq, us);
}

TEST(TransportCcRecorderTest, FeedbackCountIncrementsAndWraps) {
  TransportCcRecorder r;
  std::array<uint8_t, 200> buf{};
  for (int i = 0; i < 300; ++i) {
    r.onPacket(static_cast<uint16_t>(i), 1'000'000 + i * 1000);
    const size_t n = r.buildFeedback(buf.data(), buf.size(), 1, 2);
    ASSERT_GT(n, 0u) << i;
    const auto d = decode(buf.data(), n);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->feedbackCount, static_cast<uint8_t>(i)) << i;
    EXPECT_EQ(d->base, static_cast<uint16_t>(i));
    EXPECT_EQ(d->count, 1);
  }
  EXPECT_EQ(r.feedbackCount(), static_cast<uint8_t>(300));
}

TEST(TransportCcRecorderTest, GapOfMoreThanEightSecondsSplits) {
  TransportCcRecorder r;
  r.onPacket(1, 1'000'000);
  r.onPacket(2, 1'010'000);
  r.onPacket(3, 10'010'000);  // 9 s later: not an int16 count of 250 µs ticks
  r.onPacket(4, 10'011'000);
  const auto all = drain(r);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].base, 1);
  EXPECT_EQ(all[0].count, 2);
  EXPECT_EQ(all[1].base, 3);
  EXPECT_EQ(all[1].count, 2);
  EXPECT_EQ(all[1].feedbackCount, all[0].feedbackCount + 1);
  EXPECT_EQ(all[1].referenceTime, 10'010'000 / 64'000);
  expectNear(all[0], 2, 1'010'000);
  expectNear(all[1], 3, 10'010'000);
  expectNear(all[1], 4, 10'011'000);
}

TEST(TransportCcRecorderTest, NegativeGapOfMoreThanEightSecondsSplitsToo) {
  TransportCcRecorder r;
  r.onPacket(2, 10'000'000);
  r.onPacket(1, 1'000'000);  // reordered, and 9 s earlier (clock went back)
  const auto all = drain(r);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].base, 1);
  EXPECT_EQ(all[0].count, 1);
  expectNear(all[0], 1, 1'000'000);
  EXPECT_EQ(all[1].base, 2);
  expectNear(all[1], 2, 10'000'000);
}

TEST(TransportCcRecorderTest, CapacitySplitsAndCoversEverythingOnce) {
  TransportCcRecorder r;
  std::map<uint16_t, int64_t> sent;
  int64_t us = 7'000'000;
  for (int i = 0; i < 600; ++i) {
    const auto seq = static_cast<uint16_t>(65000 + i);  // across the wrap too
    us += (i % 3 == 0) ? 70'000 : 300;                  // mixes 1- and 2-byte deltas
    if (i % 5 == 4) continue;                           // lost, the last one too
    r.onPacket(seq, us);
    sent[seq] = us;
  }
  const auto all = drain(r, 120);
  ASSERT_GT(all.size(), 5u);
  uint16_t expectedBase = 65000;
  size_t total = 0;
  std::map<uint16_t, int64_t> seen;
  for (size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(all[k].base, expectedBase) << k;
    EXPECT_EQ(all[k].feedbackCount, static_cast<uint8_t>(k));
    expectedBase = static_cast<uint16_t>(expectedBase + all[k].count);
    total += all[k].count;
    for (const auto& [seq, t] : all[k].arrivalUs) EXPECT_TRUE(seen.emplace(seq, t).second);
  }
  EXPECT_EQ(total, 600u - 1);  // up to the highest received (the last one is lost)
  EXPECT_EQ(seen.size(), sent.size());
  for (const auto& [seq, t] : sent) {
    ASSERT_TRUE(seen.count(seq)) << seq;
    EXPECT_LE(seen[seq], t);
    EXPECT_GT(seen[seq], t - TransportFeedback::kDeltaUnitUs);
  }
}

TEST(TransportCcRecorderTest, TooSmallCapacityKeepsThePackets) {
  TransportCcRecorder r;
  r.onPacket(1, 1'000'000);
  r.onPacket(2, 1'001'000);
  std::array<uint8_t, 64> buf{};
  EXPECT_EQ(r.buildFeedback(buf.data(), 20, 1, 2), 0u);  // no room for a chunk
  EXPECT_EQ(r.feedbackCount(), 0);
  const size_t n = r.buildFeedback(buf.data(), buf.size(), 1, 2);
  ASSERT_GT(n, 0u);
  const auto d = decode(buf.data(), n);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->base, 1);
  EXPECT_EQ(d->count, 2);
  EXPECT_EQ(d->feedbackCount, 0);
}

TEST(TransportCcRecorderTest, ReferenceTimeWrapsAt24Bits) {
  TransportCcRecorder r;
  const int64_t units = (int64_t{1} << 24) + 0x800003;  // wraps, and has the sign bit set
  r.onPacket(1, units * 64'000 + 1'000);
  r.onPacket(2, units * 64'000 + 2'000);
  std::array<uint8_t, 64> buf{};
  const size_t n = r.buildFeedback(buf.data(), buf.size(), 1, 2);
  ASSERT_GT(n, 0u);
  const auto fb = TransportFeedback::parse(buf.data(), n);
  ASSERT_TRUE(fb);
  EXPECT_EQ(static_cast<uint32_t>(fb->referenceTime()) & 0xFFFFFFu, 0x800003u);
  std::vector<int32_t> deltas;
  fb->forEachPacket([&](const TransportFeedback::Packet& p) { deltas.push_back(p.deltaTicks); });
  EXPECT_EQ(deltas, (std::vector<int32_t>{4, 4}));  // 1 ms after the reference, then 1 ms
}

TEST(TransportCcRecorderTest, PacketsOutsideTheWindowAreIgnored) {
  TransportCcRecorder r;
  r.onPacket(5000, 1'000'000);
  r.onPacket(3000, 1'001'000);  // 2000 behind: beyond the window
  auto all = drain(r);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].base, 5000);
  EXPECT_EQ(all[0].count, 1);
  // Unreported packets that fall out of the window are skipped, not misreported.
  r.onPacket(5001, 1'002'000);
  r.onPacket(static_cast<uint16_t>(5001 + TransportCcRecorder::kWindow + 10), 1'003'000);
  all = drain(r);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].base, static_cast<uint16_t>(5001 + 11));
  EXPECT_EQ(all[0].count, TransportCcRecorder::kWindow);
  EXPECT_EQ(all[0].lost.size(), TransportCcRecorder::kWindow - 1);
}

}  // namespace
}  // namespace parley::media::rtp
