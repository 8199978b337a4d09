// What composing costs (issue 12's benchmarks): a Composer in manual mode (no thread, no wall
// clock) fed the real 720p VP8+Opus clip (RecordingLoad::clip) as N streams, drawing and
// encoding flat out on the benchmark's thread, which also does the recorder thread's share
// (ComposerInput: reordering and rebuilding frames). Counters:
//   x_realtime     seconds of composition per second of this thread's CPU: how many times
//                  real time one core composes (≥ 1 keeps up; its inverse is the share of a
//                  core one composition takes)
//   per_core       compositions of this shape one core sustains (x_realtime, rounded down)
//   heap_MB        malloc'd memory the composition holds once running (decoders, x264 and its
//                  look-ahead, the canvas, queues), from glibc's mallinfo2()
//   pictures       pictures encoded
//   BM_Compose/1280/720/4: 4 streams on a 1280x720 canvas at 30 fps (the target:
//                          ≥ 2x real time on one core)
//   BM_Compose/640/480/2, /640/480/4: an SD archive of 2 or 4 streams at 25 fps (OpenTok's
//                          rate): how many run on one core
// Files go to a temporary directory.

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <time.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "RecordingLoad.h"
#include "record/Composer.h"
#include "record/compose/Layout.h"

namespace parley::record {
namespace {

std::int64_t threadCpuNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double heapInUse() {
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd);
}

void BM_Compose(benchmark::State& state) {
  std::string error;
  const RecordingLoad::Clip* clip = RecordingLoad::clip(&error);
  if (!clip) {
    state.SkipWithError(error.c_str());
    return;
  }
  const int width = static_cast<int>(state.range(0));
  const int height = static_cast<int>(state.range(1));
  const auto streams = static_cast<std::size_t>(state.range(2));
  const int fps = width >= 1280 ? 30 : 25;
  RecordingLoad::TempDir dir;
  double seconds = 0;
  double cpuSeconds = 0;
  double heapBytes = 0;
  std::uint64_t pictures = 0;
  for (auto _ : state) {
    const std::int64_t originMs = clip->packets.front().arrivalUs / 1000;
    Composer::Settings settings;
    settings.output.width = width;
    settings.output.height = height;
    settings.output.framesPerSecond = fps;
    Composer::Outputs outputs;
    outputs.mp4Path = (dir.path() / "composed.mp4").string();
    const double heapBefore = heapInUse();
    const std::int64_t t0 = threadCpuNs();
    auto composer =
        Composer::createManual(outputs, settings, compose::Layout::bestFit(), originMs, &error);
    if (!composer) {
      state.SkipWithError(error.c_str());
      return;
    }
    std::vector<std::unique_ptr<PacketWriter>> inputs;
    for (std::size_t i = 0; i < streams; ++i) {
      compose::StreamInfo info;
      info.id = "stream" + std::to_string(i);
      info.connectionId = "connection" + std::to_string(i);
      info.addedOrder = i;
      inputs.push_back(composer->addStream(info, RecordingLoad::tracks(), {}));
    }
    std::int64_t lastMs = originMs;
    bool measuredHeap = false;
    for (const PacketRing::Packet& p : clip->packets) {
      for (auto& in : inputs) in->write(p);
      const std::int64_t atMs = p.arrivalUs / 1000;
      // Draw what a real-time composer would have drawn by this packet's arrival.
      if (atMs - lastMs >= 20) {
        composer->renderUntil(atMs - originMs - settings.playoutDelayMs);
        lastMs = atMs;
        if (!measuredHeap && atMs - originMs > 2000) {
          heapBytes += heapInUse() - heapBefore;
          measuredHeap = true;
        }
      }
    }
    for (auto& in : inputs) in->finish(0);
    composer->renderUntil(lastMs - originMs);
    const Composer::Result result = composer->finishManual();
    cpuSeconds += static_cast<double>(threadCpuNs() - t0) / 1e9;
    if (!result.ok) {
      state.SkipWithError(result.error.c_str());
      return;
    }
    seconds += static_cast<double>(result.durationMs) / 1000;
    pictures += result.pictures;
  }
  const double n = static_cast<double>(state.iterations());
  const double realtime = seconds / cpuSeconds;
  state.counters["x_realtime"] = realtime;
  state.counters["per_core"] = static_cast<double>(static_cast<int>(realtime));
  state.counters["heap_MB"] = heapBytes / n / 1e6;
  state.counters["pictures"] = static_cast<double>(pictures) / n;
  state.SetLabel(std::to_string(streams) + " x " + clip->description + " at " +
                 std::to_string(fps) + " fps");
}

BENCHMARK(BM_Compose)
    ->Args({1280, 720, 4})
    ->Args({640, 480, 2})
    ->Args({640, 480, 4})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace
}  // namespace parley::record
