// What one stream crossing between media workers costs (media/MediaPipe): the origin's
// PipeSink copies each packet into the ring and wakes the mirror's worker when the ring was
// idle; that worker drains it into the mirror publication's producers (retransmission
// buffer) and its fan-out (here one counting sink). The benchmark thread plays the origin's
// worker and sends bursts of 8 video packets (a frame); a burst's time covers until the
// mirror has routed all of it, so it is the crossing's latency as well as its cost.
// `origin_ns_per_packet` is the origin thread's CPU alone (the push and the wake-up).

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <future>
#include <memory>
#include <vector>

#include "media/MediaPipe.h"
#include "media/PipeSink.h"
#include "media/Producer.h"
#include "media/Publication.h"
#include "media/Router.h"
#include "media/TrackDescription.h"
#include "media/Worker.h"
#include "media/WorkerEvents.h"
#include "media/rtp/RtpPacket.h"
#include "obs/Logger.h"

namespace parley::media {
namespace {

constexpr size_t kBurst = 8;
constexpr size_t kPacketSize = 1100;

struct NoEvents final : WorkerEvents {
  void publicationConnected(const std::string&, const std::string&) override {}
  void publicationClosed(const std::string&, const std::string&, const std::string&) override {}
  void subscriptionConnected(const std::string&, const std::string&) override {}
  void subscriptionClosed(const std::string&, const std::string&, const std::string&) override {}
};

class CountingSink final : public MediaSink {
 public:
  void onPacket(const Packet&) override { count.fetch_add(1, std::memory_order_release); }
  void onSourceGone() override {}
  std::atomic<uint64_t> count{0};
};

TrackDescription videoTrack() {
  TrackDescription t;
  t.kind = sdp::MediaKind::Video;
  t.mid = "1";
  sdp::Codec vp8;
  vp8.payloadType = 96;
  vp8.name = "VP8";
  vp8.clockRate = 90000;
  t.codecs.push_back(vp8);
  t.layers.push_back({0x1000, 0, ""});
  return t;
}

int64_t threadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void BM_PipeCrossing(benchmark::State& state) {
  obs::Logger::setLevel(obs::Logger::Level::Error);
  NoEvents events;
  Worker mirrorWorker(1, Worker::Settings{}, events);
  mirrorWorker.start();
  auto pipe = std::make_shared<MediaPipe>();
  CountingSink sink;
  {
    std::promise<void> ready;
    mirrorWorker.post([&] {
      Router& r = mirrorWorker.router("session");
      Publication& mirror = r.addPublication(std::make_unique<Publication>(
          r, "stream", std::vector<TrackDescription>{videoTrack()}, pipe));
      r.attach(mirror, sink);
      ready.set_value();
    });
    ready.get_future().wait();
  }
  Producer origin(videoTrack());
  PipeSink out(pipe);
  std::vector<uint8_t> bytes(kPacketSize, 0);
  bytes[0] = 0x80;
  bytes[1] = 96;
  bytes[8] = 0x00;
  bytes[9] = 0x00;
  bytes[10] = 0x10;
  bytes[11] = 0x00;
  uint16_t seq = 0;
  uint64_t sent = 0;
  int64_t originCpu = 0;
  for (auto _ : state) {
    const int64_t before = threadCpuNs();
    for (size_t i = 0; i < kBurst; ++i, ++seq) {
      bytes[2] = static_cast<uint8_t>(seq >> 8);
      bytes[3] = static_cast<uint8_t>(seq);
      auto rtp = rtp::RtpPacket::parse(bytes.data(), bytes.size());
      out.onPacket(MediaSink::Packet{origin, 0, 0, false, *rtp, Worker::steadyNowUs()});
    }
    originCpu += threadCpuNs() - before;
    sent += kBurst;
    while (sink.count.load(std::memory_order_acquire) < sent) {
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(sent));
  state.counters["origin_ns_per_packet"] =
      benchmark::Counter(static_cast<double>(originCpu) / static_cast<double>(sent));
  state.counters["dropped"] = benchmark::Counter(static_cast<double>(pipe->ring().dropped()));
  mirrorWorker.post([&] { mirrorWorker.router("session").removePublication("stream"); });
  mirrorWorker.stop();
}

BENCHMARK(BM_PipeCrossing)->UseRealTime();

}  // namespace
}  // namespace parley::media
