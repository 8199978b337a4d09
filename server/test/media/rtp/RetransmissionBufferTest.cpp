#include "media/rtp/RetransmissionBuffer.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "media/rtcp/ReportBlock.h"
#include "media/rtp/NackGenerator.h"
#include "media/rtp/ReceiveStatistics.h"
#include "media/rtp/SendStatistics.h"
#include "media/rtp/TransportCcRecorder.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/allocator_interface.h>
#define PARLEY_HAVE_MALLOC_HOOKS 1
#endif
#endif

namespace parley::media::rtp {
namespace {

// An RTP packet with `seq` and a payload that tells packets apart.
std::vector<uint8_t> rtpPacket(uint16_t seq, size_t size = 100, uint8_t fill = 0) {
  std::vector<uint8_t> p(size, fill);
  p[0] = 0x80;
  p[1] = 96;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  return p;
}

void store(RetransmissionBuffer& b, const std::vector<uint8_t>& p, int64_t nowMs) {
  b.store(p.data(), p.size(), nowMs);
}

TEST(RetransmissionBufferTest, StoresAndFindsACopy) {
  RetransmissionBuffer b;
  auto p = rtpPacket(1234, 200, 0xAB);
  store(b, p, 50);
  p[50] = 0;  // the buffer holds its own copy
  const auto found = b.find(1234, 60);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->packet.size(), 200u);
  EXPECT_EQ(found->packet[2], 1234 >> 8);
  EXPECT_EQ(found->packet[3], 1234 & 0xFF);
  EXPECT_EQ(found->packet[50], 0xAB);
  EXPECT_EQ(found->storedMs, 50);
  EXPECT_EQ(found->resendCount, 0u);
  EXPECT_FALSE(b.find(1235, 60));
  EXPECT_FALSE(b.find(1234 - 1024, 60));  // same slot, other packet
}

TEST(RetransmissionBufferTest, NothingStoredFindsNothing) {
  RetransmissionBuffer b(16, 1500);
  EXPECT_FALSE(b.find(0, 0));
  EXPECT_FALSE(b.markResent(0, 0));
}

TEST(RetransmissionBufferTest, NewerPacketReplacesOlderInSameSlot) {
  RetransmissionBuffer b(4, 1500);
  store(b, rtpPacket(1, 100, 1), 0);
  store(b, rtpPacket(5, 100, 5), 1);  // slot 1 too
  EXPECT_FALSE(b.find(1, 2));
  const auto found = b.find(5, 2);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->packet[20], 5);
}

TEST(RetransmissionBufferTest, LatePacketDoesNotEvictNewer) {
  RetransmissionBuffer b(4, 1500);
  store(b, rtpPacket(5, 100, 5), 0);
  store(b, rtpPacket(1, 100, 1), 1);  // late, and its slot holds 5
  EXPECT_FALSE(b.find(1, 2));
  EXPECT_TRUE(b.find(5, 2));
  // Late but within the window: stored.
  store(b, rtpPacket(7, 100, 7), 3);
  store(b, rtpPacket(6, 100, 6), 4);
  EXPECT_TRUE(b.find(6, 5));
  EXPECT_TRUE(b.find(7, 5));
  EXPECT_TRUE(b.find(5, 5));
}

TEST(RetransmissionBufferTest, DuplicateKeepsTheFirstCopy) {
  RetransmissionBuffer b;
  store(b, rtpPacket(7, 100, 0x11), 10);
  ASSERT_TRUE(b.markResent(7, 20));
  store(b, rtpPacket(7, 120, 0x22), 30);
  const auto found = b.find(7, 40);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->packet.size(), 100u);
  EXPECT_EQ(found->packet[20], 0x11);
  EXPECT_EQ(found->storedMs, 10);
  EXPECT_EQ(found->resendCount, 1u);
}

TEST(RetransmissionBufferTest, MaxAge) {
  RetransmissionBuffer b;
  store(b, rtpPacket(9), 100);
  EXPECT_TRUE(b.find(9, 1099));
  EXPECT_FALSE(b.find(9, 1100));
  EXPECT_TRUE(b.find(9, 300, 201));
  EXPECT_FALSE(b.find(9, 300, 200));
}

TEST(RetransmissionBufferTest, SizeLimits) {
  RetransmissionBuffer b(16, 100);
  store(b, rtpPacket(1, 101), 0);
  EXPECT_FALSE(b.find(1, 0));
  store(b, rtpPacket(2, 100), 0);
  EXPECT_TRUE(b.find(2, 0));
  const auto tiny = rtpPacket(3, 12);
  b.store(tiny.data(), 11, 0);  // shorter than an RTP header
  EXPECT_FALSE(b.find(3, 0));
  b.store(nullptr, 100, 0);
  EXPECT_TRUE(b.find(2, 0));
}

TEST(RetransmissionBufferTest, WrapAround) {
  RetransmissionBuffer b(1024, 1500);
  for (uint16_t seq = 65530, i = 0; i < 12; ++seq, ++i)
    store(b, rtpPacket(seq, 100, static_cast<uint8_t>(i)), i);
  for (uint16_t seq = 65530, i = 0; i < 12; ++seq, ++i) {
    const auto found = b.find(seq, 20);
    ASSERT_TRUE(found) << seq;
    EXPECT_EQ(found->packet[20], i);
  }
  // A late packet from before the wrap is still accepted.
  RetransmissionBuffer late(1024, 1500);
  store(late, rtpPacket(2), 0);
  store(late, rtpPacket(65535), 1);
  EXPECT_TRUE(late.find(65535, 2));
  EXPECT_TRUE(late.find(2, 2));
  // Going on past a full window evicts the pre-wrap packets.
  for (uint16_t seq = 6; seq <= 1023; ++seq) store(b, rtpPacket(seq), 30);
  EXPECT_FALSE(b.find(65535, 31));
  EXPECT_TRUE(b.find(1023, 31));
  EXPECT_TRUE(b.find(0, 31));
}

TEST(RetransmissionBufferTest, SequenceRestartIsStored) {
  RetransmissionBuffer b(64, 1500);
  store(b, rtpPacket(30000), 0);
  store(b, rtpPacket(5000), 1);  // 25000 behind: a restart, not a late packet
  store(b, rtpPacket(5001), 2);
  EXPECT_TRUE(b.find(5000, 3));
  EXPECT_TRUE(b.find(5001, 3));
  // A moderately late packet is not a restart.
  store(b, rtpPacket(4990), 4);
  EXPECT_TRUE(b.find(4990, 5));
  EXPECT_TRUE(b.find(5001, 5));
}

TEST(RetransmissionBufferTest, GrowsToHoldASecondOfItsStream) {
  // 4 slots to start: 20 packets within one second must all stay answerable.
  RetransmissionBuffer b(1024, 1500, 4);
  EXPECT_EQ(b.slots(), 4u);
  for (uint16_t seq = 0; seq < 20; ++seq)
    store(b, rtpPacket(seq, 100 + seq, static_cast<uint8_t>(seq)), seq * 10);
  ASSERT_TRUE(b.markResent(3, 200));
  EXPECT_EQ(b.slots(), 32u);
  for (uint16_t seq = 0; seq < 20; ++seq) {
    const auto found = b.find(seq, 200);
    ASSERT_TRUE(found) << seq;
    EXPECT_EQ(found->packet.size(), 100u + seq);
    EXPECT_EQ(found->packet[20], seq);
    EXPECT_EQ(found->storedMs, seq * 10);
    EXPECT_EQ(found->resendCount, seq == 3 ? 1u : 0u);
  }
  // The same after the sequence number wraps.
  RetransmissionBuffer wrapping(1024, 1500, 4);
  for (uint16_t i = 0; i < 20; ++i)
    store(wrapping, rtpPacket(static_cast<uint16_t>(65530 + i), 100, static_cast<uint8_t>(i)), i);
  for (uint16_t i = 0; i < 20; ++i) {
    const auto found = wrapping.find(static_cast<uint16_t>(65530 + i), 30);
    ASSERT_TRUE(found) << i;
    EXPECT_EQ(found->packet[20], i);
  }
}

TEST(RetransmissionBufferTest, DoesNotGrowForPacketsNoNackWouldAskFor) {
  // Evicting a packet older than the age find() serves costs nothing: a slow stream keeps
  // its first slots.
  RetransmissionBuffer b(1024, 1500, 4);
  for (uint16_t seq = 0; seq < 40; ++seq) store(b, rtpPacket(seq), seq * 400);
  EXPECT_EQ(b.slots(), 4u);
  EXPECT_TRUE(b.find(39, 39 * 400));
  EXPECT_FALSE(b.find(35, 39 * 400));
}

TEST(RetransmissionBufferTest, StopsGrowingAtItsMaximum) {
  RetransmissionBuffer b(6, 1500, 4);  // 4 -> 6: not a doubling
  for (uint16_t seq = 0; seq < 50; ++seq)
    store(b, rtpPacket(seq, 100, static_cast<uint8_t>(seq)), 0);
  EXPECT_EQ(b.slots(), 6u);
  EXPECT_EQ(b.maxSlots(), 6u);
  for (uint16_t seq = 44; seq < 50; ++seq) {
    const auto found = b.find(seq, 1);
    ASSERT_TRUE(found) << seq;
    EXPECT_EQ(found->packet[20], seq);
  }
  EXPECT_FALSE(b.find(43, 1));
  // Without firstSlots it has all of them from the start, as before.
  EXPECT_EQ(RetransmissionBuffer(64, 1500).slots(), 64u);
}

TEST(RetransmissionBufferTest, MarkResentThrottles) {
  RetransmissionBuffer b;
  store(b, rtpPacket(42), 0);
  EXPECT_TRUE(b.markResent(42, 100));
  EXPECT_FALSE(b.markResent(42, 119));  // default 20 ms
  EXPECT_TRUE(b.markResent(42, 120));
  EXPECT_FALSE(b.markResent(42, 150, 50));
  EXPECT_TRUE(b.markResent(42, 170, 50));
  EXPECT_EQ(b.find(42, 200)->resendCount, 3u);
  EXPECT_FALSE(b.markResent(43, 200));
  // A new packet in the slot starts over.
  store(b, rtpPacket(42 + 1024), 300);
  EXPECT_EQ(b.find(42 + 1024, 301)->resendCount, 0u);
  EXPECT_FALSE(b.markResent(42, 400));
}

#ifdef PARLEY_HAVE_MALLOC_HOOKS
std::atomic<bool> gCounting{false};
std::atomic<int> gAllocations{0};
void onMalloc(const volatile void*, size_t) {
  if (gCounting.load(std::memory_order_relaxed)) gAllocations.fetch_add(1);
}
void onFree(const volatile void*) {}
#endif

// The per-packet calls of all the rtp/ stream helpers, in one test: the sanitizer has
// only a few malloc hook slots for the whole binary.
TEST(RetransmissionBufferTest, PacketPathsOfRtpStreamHelpersDoNotAllocate) {
#ifndef PARLEY_HAVE_MALLOC_HOOKS
  GTEST_SKIP() << "needs the sanitizer allocator hooks";
#else
  static const bool installed = __sanitizer_install_malloc_and_free_hooks(onMalloc, onFree) != 0;
  ASSERT_TRUE(installed);
  RetransmissionBuffer buffer(1024, 1500, 64);
  NackGenerator nack;
  TransportCcRecorder twcc;
  ReceiveStatistics receive(1, 90000);
  SendStatistics send(2);
  std::array<uint8_t, 1500> out{};
  std::array<uint16_t, 64> lost{};
  rtcp::ReportBlock block;
  block.ssrc = 2;
  block.lastSenderReport = 100;

  // The buffer grows to its stream's rate as the stream starts (rare allocations); counted
  // from then on.
  for (int i = 0; i < 10000; ++i) {
    const auto seq = static_cast<uint16_t>(i * 2);  // every other one lost
    const int64_t us = int64_t{i} * 1000;
    std::array<uint8_t, 1200> p{};
    p[2] = static_cast<uint8_t>(seq >> 8);
    p[3] = static_cast<uint8_t>(seq);
    buffer.store(p.data(), p.size(), us / 1000);
    (void)buffer.find(static_cast<uint16_t>(seq - 10), us / 1000);
    (void)buffer.markResent(static_cast<uint16_t>(seq - 10), us / 1000);
    nack.onPacket(seq, us / 1000);
    (void)nack.collect(us / 1000, 30, lost.data(), lost.size());
    twcc.onPacket(seq, us);
    if (i % 50 == 0) (void)twcc.buildFeedback(out.data(), out.size(), 1, 2);
    receive.onPacket(seq, static_cast<uint32_t>(i * 90), p.size(), us);
    (void)receive.bitrateBps(us);
    if (i % 100 == 0) (void)receive.reportBlock(us);
    send.onPacket(static_cast<uint32_t>(i * 90), 1188, us);
    if (i % 100 == 0) {
      (void)send.senderInfo(0, us, 90000);
      send.onReceiverReport(block, us, 200);
    }
    if (i == 4999) gCounting = true;
  }
  gCounting = false;
  EXPECT_EQ(gAllocations.load(), 0);
#endif
}

}  // namespace
}  // namespace parley::media::rtp
