#include "record/Recorder.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace parley::record {
namespace {

// What the writer saw, read by the test once `finished` is set (release/acquire).
struct Seen {
  std::vector<uint32_t> numbers;
  uint64_t dropped = 0;
  int finishCalls = 0;
  std::atomic<bool> finished{false};
};

class NumberWriter final : public PacketWriter {
 public:
  explicit NumberWriter(Seen& seen) : seen_(seen) {}
  void write(const PacketRing::Packet& p) override {
    uint32_t n = 0;
    std::memcpy(&n, p.bytes.data(), sizeof n);
    seen_.numbers.push_back(n);
  }
  void finish(uint64_t dropped) override {
    seen_.dropped = dropped;
    ++seen_.finishCalls;
    seen_.finished.store(true, std::memory_order_release);
  }

 private:
  Seen& seen_;
};

bool waitFor(const std::atomic<bool>& flag) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!flag.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

void pushNumbers(PacketRing& ring, uint32_t from, uint32_t to) {
  std::array<uint8_t, 64> bytes{};
  for (uint32_t n = from; n < to; ++n) {
    std::memcpy(bytes.data(), &n, sizeof n);
    ring.push(bytes, n, 0, 0, false);
  }
}

// Two "workers" fill two rings while the recorder drains them; each writer gets its own
// stream's packets in order, then one finish() with the ring's drop count.
TEST(RecorderTest, EachWriterGetsItsStreamInOrderThenOneFinish) {
  constexpr uint32_t kPackets = 50000;
  Seen seen[2];
  auto rings = std::array{std::make_shared<PacketRing>(32), std::make_shared<PacketRing>(32)};
  Recorder recorder(std::chrono::milliseconds(1));
  for (int i = 0; i < 2; ++i) recorder.add(rings[i], std::make_unique<NumberWriter>(seen[i]));
  EXPECT_EQ(recorder.streams(), 2u);
  std::vector<std::thread> workers;
  for (int i = 0; i < 2; ++i)
    workers.emplace_back([&, i] {
      pushNumbers(*rings[i], 0, kPackets);
      rings[i]->close();
    });
  for (auto& w : workers) w.join();
  for (auto& s : seen) {
    ASSERT_TRUE(waitFor(s.finished));
    EXPECT_EQ(s.finishCalls, 1);
    EXPECT_EQ(s.numbers.size() + s.dropped, kPackets);
    for (size_t k = 1; k < s.numbers.size(); ++k) ASSERT_LT(s.numbers[k - 1], s.numbers[k]);
  }
  for (int i = 0; i < 2; ++i) EXPECT_EQ(seen[i].dropped, rings[i]->dropped());
  // Finished streams are let go of (polled: the count drops right after finish() returns).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (recorder.streams() != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(recorder.streams(), 0u);
}

// Stopping the recorder writes out what is queued and finishes streams still open.
TEST(RecorderTest, StoppingDrainsAndFinishesOpenStreams) {
  Seen seen;
  auto ring = std::make_shared<PacketRing>(64);
  {
    // A long idle wait: only the stop can make the recorder look at the ring in time.
    Recorder recorder(std::chrono::hours(1));
    pushNumbers(*ring, 0, 10);
    recorder.add(ring, std::make_unique<NumberWriter>(seen));
  }
  ASSERT_TRUE(seen.finished.load(std::memory_order_acquire));
  EXPECT_EQ(seen.finishCalls, 1);
  EXPECT_EQ(seen.numbers.size(), 10u);
  EXPECT_EQ(seen.dropped, 0u);
}

}  // namespace
}  // namespace parley::record
