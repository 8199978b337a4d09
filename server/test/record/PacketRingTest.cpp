#include "record/PacketRing.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "AllocationCounter.h"

namespace parley::record {
namespace {

using test::AllocationCounter;

// A packet whose bytes all derive from `n`, so the reader can check it arrived whole.
std::vector<uint8_t> packetBytes(uint32_t n, size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(n * 31 + i);
  if (size >= 4) std::memcpy(bytes.data(), &n, 4);
  return bytes;
}

bool intact(const PacketRing::Packet& p, uint32_t n) {
  auto expected = packetBytes(n, p.size);
  return std::memcmp(p.bytes.data(), expected.data(), p.size) == 0;
}

TEST(PacketRingTest, CapacityIsAPowerOfTwoAllocatedUpFront) {
  EXPECT_EQ(PacketRing(0).capacity(), 2u);
  EXPECT_EQ(PacketRing(5).capacity(), 8u);
  EXPECT_EQ(PacketRing(256).capacity(), 256u);
}

TEST(PacketRingTest, PacketsComeOutInOrderWithTheirBytesAndDetails) {
  PacketRing ring(8);
  EXPECT_EQ(ring.front(), nullptr);
  for (uint32_t n = 0; n < 5; ++n) {
    auto bytes = packetBytes(n, 100 + n);
    ASSERT_TRUE(ring.push(bytes, 1000 + n, static_cast<uint8_t>(n % 2), static_cast<uint8_t>(n % 3),
                          n == 2));
  }
  for (uint32_t n = 0; n < 5; ++n) {
    const PacketRing::Packet* p = ring.front();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->size, 100 + n);
    EXPECT_EQ(p->arrivalUs, 1000 + n);
    EXPECT_EQ(p->track, n % 2);
    EXPECT_EQ(p->layer, n % 3);
    EXPECT_EQ(p->keyframe, n == 2);
    EXPECT_TRUE(intact(*p, n));
    ring.pop();
  }
  EXPECT_EQ(ring.front(), nullptr);
  EXPECT_EQ(ring.pushed(), 5u);
  EXPECT_EQ(ring.dropped(), 0u);
}

TEST(PacketRingTest, AFullRingDropsAndCountsAndTakesPacketsAgainOnceDrained) {
  PacketRing ring(4);
  for (uint32_t n = 0; n < 4; ++n) EXPECT_TRUE(ring.push(packetBytes(n, 50), n, 0, 0, false));
  EXPECT_FALSE(ring.push(packetBytes(4, 50), 4, 0, 0, false));
  EXPECT_FALSE(ring.push(packetBytes(5, 50), 5, 0, 0, false));
  EXPECT_EQ(ring.dropped(), 2u);
  EXPECT_EQ(ring.pushed(), 4u);

  // The queued packets are the oldest ones, untouched by the dropped pushes.
  ASSERT_NE(ring.front(), nullptr);
  EXPECT_TRUE(intact(*ring.front(), 0));
  ring.pop();
  EXPECT_TRUE(ring.push(packetBytes(6, 50), 6, 0, 0, false));
  for (uint32_t n : {1u, 2u, 3u, 6u}) {
    const PacketRing::Packet* p = ring.front();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->arrivalUs, n);
    EXPECT_TRUE(intact(*p, n));
    ring.pop();
  }
  EXPECT_EQ(ring.front(), nullptr);
}

TEST(PacketRingTest, APacketLargerThanASlotIsDroppedAndCounted) {
  PacketRing ring(4);
  EXPECT_FALSE(ring.push(packetBytes(1, PacketRing::kMaxPacketSize + 1), 0, 0, 0, false));
  EXPECT_TRUE(ring.push(packetBytes(2, PacketRing::kMaxPacketSize), 0, 0, 0, false));
  EXPECT_EQ(ring.dropped(), 1u);
  ASSERT_NE(ring.front(), nullptr);
  EXPECT_EQ(ring.front()->size, PacketRing::kMaxPacketSize);
}

TEST(PacketRingTest, AClosedRingIsFinishedOnlyOnceDrained) {
  PacketRing ring(4);
  ASSERT_TRUE(ring.push(packetBytes(1, 20), 0, 0, 0, false));
  EXPECT_FALSE(ring.finished());
  ring.close();
  EXPECT_FALSE(ring.push(packetBytes(2, 20), 0, 0, 0, false));
  EXPECT_EQ(ring.dropped(), 1u);
  EXPECT_FALSE(ring.finished());
  ASSERT_NE(ring.front(), nullptr);
  ring.pop();
  EXPECT_TRUE(ring.finished());
}

TEST(PacketRingTest, PushingIntoAWarmRingAllocatesNothing) {
  if (!AllocationCounter::available()) GTEST_SKIP() << "needs a sanitizer build";
  PacketRing ring(16);
  const auto bytes = packetBytes(7, 1200);
  AllocationCounter counter;
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 20; ++i) ring.push(bytes, i, 1, 0, false);  // 4 of 20 dropped
    while (ring.front()) ring.pop();
  }
  EXPECT_EQ(counter.allocations(), 0u);
  EXPECT_EQ(ring.dropped(), 400u);
}

// A worker thread pushing as fast as it can and a recorder thread draining at the same time
// (TSan checks the hand-off): whatever is not dropped arrives whole and in order.
TEST(PacketRingTest, AConcurrentReaderGetsEveryPacketNotDroppedWholeAndInOrder) {
  constexpr uint32_t kPackets = 200000;
  PacketRing ring(64);
  uint64_t received = 0;
  bool inOrder = true;
  bool whole = true;
  std::thread reader([&] {
    int64_t last = -1;
    while (!ring.finished()) {
      const PacketRing::Packet* p = ring.front();
      if (!p) {
        std::this_thread::yield();
        continue;
      }
      uint32_t n = 0;
      std::memcpy(&n, p->bytes.data(), 4);
      if (static_cast<int64_t>(n) <= last || p->arrivalUs != n) inOrder = false;
      if (!intact(*p, n)) whole = false;
      last = n;
      ++received;
      ring.pop();
    }
  });
  std::array<uint8_t, 300> bytes{};
  for (uint32_t n = 0; n < kPackets; ++n) {
    const size_t size = 40 + n % 256;
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(n * 31 + i);
    std::memcpy(bytes.data(), &n, 4);
    ring.push(std::span<const uint8_t>(bytes.data(), size), n, 0, 0, false);
  }
  ring.close();
  reader.join();
  EXPECT_TRUE(inOrder);
  EXPECT_TRUE(whole);
  EXPECT_EQ(received + ring.dropped(), kPackets);
  EXPECT_EQ(received, ring.pushed());
}

}  // namespace
}  // namespace parley::record
