// The per-packet RTP work of forwarding without the crypto: parsing a packet (with the
// one-byte header extensions browsers send) and mapping its sequence number and timestamp
// onto a consumer's outgoing stream, then writing them back in place.

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "media/ByteOrder.h"
#include "media/rtp/RtpPacket.h"
#include "media/rtp/SequenceRewriter.h"

namespace parley::media {
namespace {

constexpr size_t kHeaderSize = 24;  // fixed header + 0xBEDE block with two elements
constexpr size_t kPayloadSize = 1100;

// A VP8 packet as Chrome sends it: abs-send-time (id 2) and transport-cc (id 3).
std::array<uint8_t, kHeaderSize + kPayloadSize> videoPacket() {
  std::array<uint8_t, kHeaderSize + kPayloadSize> p{};
  p[0] = 0x90;  // V=2, X=1
  p[1] = 96;
  ByteOrder::write32(p.data() + 4, 0x10000000);
  ByteOrder::write32(p.data() + 8, 0x1234ABCD);
  ByteOrder::write16(p.data() + 12, rtp::RtpPacket::kOneByteProfile);
  ByteOrder::write16(p.data() + 14, 2);
  p[16] = 0x22;  // id 2, 3 bytes
  p[20] = 0x31;  // id 3, 2 bytes
  p[24] = 0x90;  // VP8 payload descriptor
  return p;
}

void BM_RtpParse(benchmark::State& state) {
  auto packet = videoPacket();
  uint16_t seq = 0;
  for (auto _ : state) {
    ByteOrder::write16(packet.data() + 2, ++seq);
    auto p = rtp::RtpPacket::parse(packet.data(), packet.size());
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RtpParse);

// What Consumer::prepare/write do with the sequence numbers: parse, rewrite, write back.
// Delta frames of 8 packets: the timestamp moves every 8th packet.
void BM_RtpParseAndRewrite(benchmark::State& state) {
  auto packet = videoPacket();
  rtp::SequenceRewriter rewriter(90000);
  rewriter.switchSource(std::chrono::microseconds(0));
  uint16_t seq = 65000;  // wraps during the run
  uint32_t timestamp = 0x10000000;
  uint32_t n = 0;
  for (auto _ : state) {
    ++seq;
    if ((++n & 7) == 0) timestamp += 3000;
    ByteOrder::write16(packet.data() + 2, seq);
    ByteOrder::write32(packet.data() + 4, timestamp);
    auto p = rtp::RtpPacket::parse(packet.data(), packet.size());
    if (!p) {
      state.SkipWithError("parse failed");
      break;
    }
    auto out = rewriter.rewrite(p->sequenceNumber(), p->timestamp());
    if (!out) {
      state.SkipWithError("rewrite dropped an in-order packet");
      break;
    }
    p->setSsrc(0x50000000);
    p->setSequenceNumber(out->sequenceNumber);
    p->setTimestamp(out->timestamp);
    benchmark::DoNotOptimize(packet.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RtpParseAndRewrite);

}  // namespace
}  // namespace parley::media
