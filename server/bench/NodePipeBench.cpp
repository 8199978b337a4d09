// What a stream crossing between nodes costs per packet in CPU (media/NodePipeCodec): the
// sending node frames and encrypts each forwarded packet (AES-128-GCM) once, the receiving
// node checks and opens it. BM_NodePipeSend and BM_NodePipeReceive split the two sides;
// BM_NodePipeRoundTrip adds a real UDP datagram over loopback between them (sendto + recv:
// the system calls any forwarded packet costs too). Packets are 1,200-byte video packets.

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "media/NodePipeCodec.h"

namespace parley::media {
namespace {

std::vector<uint8_t> videoPacket(uint16_t seq) {
  std::vector<uint8_t> p{0x90,         96,   uint8_t(seq >> 8),
                         uint8_t(seq), 0,    0,
                         0x10,         0,    0x11,
                         0x22,         0x33, 0x44,
                         0xBE,         0xDE, 0x00,
                         0x01,         0x10, 0x42,
                         0x00,         0x00};
  p.resize(1200, 0x5A);
  return p;
}

// A fresh codec pair every 60,000 packets keeps sequence numbers away from the replay window's
// wrap-around without adding per-packet work.
struct Pipe {
  NodePipeCodec::Key key = NodePipeCodec::newKey();
  std::unique_ptr<NodePipeCodec> send =
      NodePipeCodec::create(NodePipeCodec::Direction::Send, 1, key);
  std::unique_ptr<NodePipeCodec> receive =
      NodePipeCodec::create(NodePipeCodec::Direction::Receive, 1, key);
};

void BM_NodePipeSend(benchmark::State& state) {
  Pipe pipe;
  auto packet = videoPacket(0);
  std::vector<uint8_t> out(packet.size() + NodePipeCodec::kOverhead);
  uint16_t seq = 0;
  for (auto _ : state) {
    packet[2] = uint8_t(seq >> 8);
    packet[3] = uint8_t(seq++);
    benchmark::DoNotOptimize(pipe.send->encode(packet, {0, 0, false}, out));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NodePipeSend);

void BM_NodePipeReceive(benchmark::State& state) {
  Pipe pipe;
  std::vector<std::vector<uint8_t>> sealed;
  for (uint16_t seq = 0; seq < 60000; ++seq) {
    std::vector<uint8_t> out(1200 + NodePipeCodec::kOverhead);
    out.resize(pipe.send->encode(videoPacket(seq), {0, 0, false}, out));
    sealed.push_back(std::move(out));
  }
  std::vector<uint8_t> work;
  size_t next = 0;
  std::span<const uint8_t> rtp;
  NodePipeCodec::Metadata meta;
  for (auto _ : state) {
    if (next == sealed.size()) {
      state.PauseTiming();
      pipe.receive = NodePipeCodec::create(NodePipeCodec::Direction::Receive, 1, pipe.key);
      next = 0;
      state.ResumeTiming();
    }
    work = sealed[next++];
    if (!pipe.receive->decode(work, rtp, meta)) state.SkipWithError("decode failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NodePipeReceive);

void BM_NodePipeRoundTrip(benchmark::State& state) {
  Pipe pipe;
  const int tx = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int rx = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(rx, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(rx, reinterpret_cast<sockaddr*>(&addr), &len);
  auto packet = videoPacket(0);
  std::vector<uint8_t> out(packet.size() + NodePipeCodec::kOverhead);
  std::vector<uint8_t> in(2048);
  std::span<const uint8_t> rtp;
  NodePipeCodec::Metadata meta;
  uint32_t sent = 0;
  for (auto _ : state) {
    if (++sent % 60000 == 0) {
      state.PauseTiming();
      pipe = Pipe{};
      state.ResumeTiming();
    }
    packet[2] = uint8_t(sent >> 8);
    packet[3] = uint8_t(sent);
    const size_t n = pipe.send->encode(packet, {0, 0, false}, out);
    ::sendto(tx, out.data(), n, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    const ssize_t got = ::recv(rx, in.data(), in.size(), 0);
    if (got <= 0 || !pipe.receive->decode(std::span<uint8_t>(in.data(), size_t(got)), rtp, meta))
      state.SkipWithError("round trip failed");
  }
  ::close(tx);
  ::close(rx);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NodePipeRoundTrip);

}  // namespace
}  // namespace parley::media
