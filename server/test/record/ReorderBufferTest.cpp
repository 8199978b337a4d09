#include "record/ReorderBuffer.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::record {
namespace {

std::vector<std::uint8_t> bytes(std::uint16_t seq) {
  return {static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq)};
}

std::uint16_t seqOf(const ReorderBuffer::Packet& p) {
  return static_cast<std::uint16_t>((p.bytes[0] << 8) | p.bytes[1]);
}

// Pops everything available at `now`, as sequence numbers (negative: after a loss).
std::vector<int> popAll(ReorderBuffer& b, std::int64_t now) {
  std::vector<int> out;
  while (auto p = b.pop(now)) out.push_back(p->afterLoss ? -seqOf(*p) : seqOf(*p));
  return out;
}

TEST(ReorderBufferTest, StartsAtTheLowestOfTheFirstPacketsAndRestoresOrderAcrossTheWrap) {
  ReorderBuffer b({.capacity = 64, .maxWaitMs = 100});
  for (std::uint16_t s : {65534, 65533, 65535, 0, 2, 1}) b.push(s, bytes(s), 0);
  EXPECT_TRUE(popAll(b, 0).empty()) << "the start is held until the wait is over";
  EXPECT_EQ(popAll(b, 100), (std::vector<int>{65533, 65534, 65535, 0, 1, 2}));
  b.push(4, bytes(4), 101);
  b.push(3, bytes(3), 102);
  EXPECT_EQ(popAll(b, 102), (std::vector<int>{3, 4}));
  EXPECT_EQ(b.lost(), 0u);
}

TEST(ReorderBufferTest, DropsDuplicatesAndLatePackets) {
  ReorderBuffer b({.capacity = 16, .maxWaitMs = 0});
  b.push(10, bytes(10), 0);
  b.push(11, bytes(11), 0);
  EXPECT_EQ(popAll(b, 0), (std::vector<int>{10, 11}));
  b.push(11, bytes(11), 1);
  b.push(9, bytes(9), 1);
  EXPECT_TRUE(popAll(b, 1).empty());
  EXPECT_EQ(b.duplicates(), 2u);
}

TEST(ReorderBufferTest, GivesUpAMissingPacketAfterTheWaitOrWhenFull) {
  ReorderBuffer b({.capacity = 8, .maxWaitMs = 50});
  b.push(100, bytes(100), 0);
  EXPECT_EQ(popAll(b, 50), (std::vector<int>{100}));
  b.push(102, bytes(102), 60);  // 101 is missing
  EXPECT_TRUE(popAll(b, 100).empty()) << "still waiting for 101";
  EXPECT_EQ(popAll(b, 110), (std::vector<int>{-102})) << "given up 50 ms after 102 came";
  EXPECT_EQ(b.lost(), 1u);
  for (std::uint16_t s = 104; s < 112; ++s) b.push(s, bytes(s), 120);  // 103 missing, full
  auto out = popAll(b, 121);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.front(), -104) << "a full buffer does not wait";
  EXPECT_EQ(out.back(), 111);
  EXPECT_EQ(b.lost(), 2u);
}

}  // namespace
}  // namespace parley::record
