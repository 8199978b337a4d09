// What recording a stream costs beyond forwarding it (issue 11's benchmarks). The worker's
// share (a RecordingTap copying each packet into its ring) is BM_ForwardRecorded in
// ForwardingBench.cpp (noisy: a difference of two ~2 µs figures); here is the worker's
// share alone, the recorder thread's share and the memory:
//   BM_RecordingTap           the worker's part: RecordingTap::onPacket copying one
//                             forwarded-size packet (1124 bytes) into a 1024-slot ring,
//                             drained untimed every 1024 packets: each copy goes to a slot
//                             last written 1.6 MiB ago, out of L2. A lower bound: in
//                             production the recorder has read the slot on the other core
//                             since (a recorder thread draining during the loop cannot keep
//                             up with a worker pushing flat out: it would measure drops).
//   BM_RecorderWrite          one stream's file: StreamFileWriter::write per RTP packet of a
//                             real 720p VP8+Opus clip (reorder → frames → WebM via FFmpeg),
//                             with the file's create() and finish() reported apart.
//   BM_RecordedStreamMemory   heap per recorded stream: its ring (1024 slots, as
//                             ArchiveManager sets up) and its writer with FFmpeg's muxer, from
//                             glibc's mallinfo2() before and after.
//   BM_TwentyStreams          20 rings, one Recorder thread, 20 files: the benchmark thread
//                             plays the workers and queues the 20 streams at their real rate
//                             (drops, and the recorder's CPU as a share of one core) or flat
//                             out (how many times real time the recorder keeps up).
// The clip is made once by ffmpeg (RecordingLoad::clip); files go to a temporary directory.

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "RecordingLoad.h"
#include "media/MediaSink.h"
#include "media/Producer.h"
#include "media/RecordingTap.h"
#include "media/TrackDescription.h"
#include "media/rtp/RtpPacket.h"
#include "record/PacketRing.h"
#include "record/StreamFileWriter.h"

namespace parley::record {
namespace {

constexpr std::size_t kRingPackets = 1024;  // ArchiveManager::Settings::ringPackets
constexpr std::size_t kStreams = 20;

std::int64_t nowNs(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Bytes the program holds from malloc: in the arenas and mmapped.
double heapInUse() {
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd);
}

const RecordingLoad::Clip* clipOrSkip(benchmark::State& state) {
  std::string error;
  const RecordingLoad::Clip* clip = RecordingLoad::clip(&error);
  if (!clip) state.SkipWithError(error.c_str());
  return clip;
}

std::unique_ptr<StreamFileWriter> writer(const std::string& path,
                                         StreamFileWriter::Result* result) {
  std::string error;
  return StreamFileWriter::create(
      path, RecordingLoad::tracks(), 0, {},
      [result](const StreamFileWriter::Result& r) { *result = r; }, &error);
}

void BM_RecordingTap(benchmark::State& state) {
  media::TrackDescription track;
  track.kind = media::sdp::MediaKind::Video;
  media::sdp::Codec vp8;
  vp8.payloadType = 96;
  vp8.name = "VP8";
  vp8.clockRate = 90000;
  track.codecs.push_back(vp8);
  media::Producer producer(track);
  // A full-MTU video packet, as BM_Forward forwards: 12-byte header, 1112 bytes of payload.
  std::vector<std::uint8_t> bytes(1124, 0x5a);
  bytes[0] = 0x80;
  bytes[1] = 96;
  const auto rtp = media::rtp::RtpPacket::parse(bytes.data(), bytes.size());
  if (!rtp) {
    state.SkipWithError("cannot parse the packet");
    return;
  }
  auto ring = std::make_shared<PacketRing>(kRingPackets);
  media::RecordingTap tap(ring);
  std::int64_t arrivalUs = 0;
  std::size_t queued = 0;
  for (auto _ : state) {
    tap.onPacket(media::MediaSink::Packet{producer, 0, 0, false, *rtp, ++arrivalUs});
    if (++queued == ring->capacity()) {
      // The recorder's part, untimed.
      state.PauseTiming();
      while (ring->front()) ring->pop();
      queued = 0;
      state.ResumeTiming();
    }
  }
  if (ring->dropped() != 0) state.SkipWithError("the ring dropped packets");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}

void BM_RecorderWrite(benchmark::State& state) {
  const RecordingLoad::Clip* clip = clipOrSkip(state);
  if (!clip) return;
  RecordingLoad::TempDir dir;
  const std::string path = (dir.path() / "stream.webm").string();
  StreamFileWriter::Result result;
  std::int64_t createNs = 0;
  std::int64_t writeNs = 0;
  std::int64_t finishNs = 0;
  for (auto _ : state) {
    // Each iteration records the whole clip into a fresh file; the timer covers write().
    state.PauseTiming();
    std::int64_t t0 = nowNs(CLOCK_THREAD_CPUTIME_ID);
    auto w = writer(path, &result);
    if (!w) {
      state.SkipWithError("cannot create the stream's file");
      break;
    }
    createNs += nowNs(CLOCK_THREAD_CPUTIME_ID) - t0;
    state.ResumeTiming();
    t0 = nowNs(CLOCK_THREAD_CPUTIME_ID);
    for (const PacketRing::Packet& p : clip->packets) w->write(p);
    writeNs += nowNs(CLOCK_THREAD_CPUTIME_ID) - t0;
    state.PauseTiming();
    t0 = nowNs(CLOCK_THREAD_CPUTIME_ID);
    w->finish(0);
    w.reset();
    finishNs += nowNs(CLOCK_THREAD_CPUTIME_ID) - t0;
    state.ResumeTiming();
  }
  if (!result.ok || result.packetsLost != 0 || result.framesWritten == 0) {
    state.SkipWithError("the writer failed or lost packets");
    return;
  }
  const auto packets = static_cast<double>(clip->packets.size());
  const auto iterations = static_cast<double>(state.iterations());
  state.SetLabel(clip->description);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(clip->packets.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(clip->rtpBytes));
  // The timed part, per packet (printed as a time, e.g. "1.1us").
  state.counters["per_packet"] = benchmark::Counter(
      packets, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["create_us"] = static_cast<double>(createNs) / iterations / 1e3;
  state.counters["finish_us"] = static_cast<double>(finishNs) / iterations / 1e3;
  // Everything a stream costs the recorder thread, spread over its packets and its media
  // time (one core = 100%).
  const double allNs = static_cast<double>(createNs + writeNs + finishNs) / iterations;
  state.counters["all_us_per_packet"] = allNs / packets / 1e3;
  state.counters["core_pct_per_stream"] =
      allNs / (static_cast<double>(clip->durationUs) * 1e3) * 100;
  state.counters["file_bytes"] =
      benchmark::Counter(static_cast<double>(result.bytesWritten), benchmark::Counter::kDefaults,
                         benchmark::Counter::kIs1024);
}

void BM_RecordedStreamMemory(benchmark::State& state) {
  const RecordingLoad::Clip* clip = clipOrSkip(state);
  if (!clip) return;
  RecordingLoad::TempDir dir;
  const std::string path = (dir.path() / "stream.webm").string();
  StreamFileWriter::Result result;
  double ringBytes = 0;
  double openBytes = 0;
  double midBytes = 0;
  double writingBytes = 0;
  double peakBytes = 0;
  double leftBytes = 0;
  std::size_t slots = 0;
  for (auto _ : state) {
    const double base = heapInUse();
    auto ring = std::make_shared<PacketRing>(kRingPackets);
    const double afterRing = heapInUse();
    auto w = writer(path, &result);
    if (!w) {
      state.SkipWithError("cannot create the stream's file");
      break;
    }
    const double afterCreate = heapInUse();
    double peak = afterCreate;
    double mid = afterCreate;
    std::size_t n = 0;
    for (const PacketRing::Packet& p : clip->packets) {
      w->write(p);
      if (++n % 16 == 0) peak = std::max(peak, heapInUse());
      if (n == clip->packets.size() / 2) mid = heapInUse();
    }
    const double afterWrite = heapInUse();
    w->finish(0);
    w.reset();
    const double afterFinish = heapInUse();
    slots = ring->capacity();
    ring.reset();
    ringBytes = afterRing - base;
    openBytes = afterCreate - afterRing;
    midBytes = mid - afterRing;
    writingBytes = afterWrite - afterRing;
    peakBytes = std::max(peak, afterWrite) - afterRing;
    leftBytes = afterFinish - afterRing;
  }
  if (!result.ok) {
    state.SkipWithError("the writer failed");
    return;
  }
  auto bytes = [](double v) {
    return benchmark::Counter(v, benchmark::Counter::kDefaults, benchmark::Counter::kIs1024);
  };
  state.SetLabel(clip->description);
  state.counters["ring_slots_bytes"] =
      bytes(static_cast<double>(slots * sizeof(PacketRing::Packet)));
  state.counters["ring_heap"] = bytes(ringBytes);
  state.counters["writer_open_heap"] = bytes(openBytes);
  // Half-way and at the end: flat, the writer does not grow with the recording's length.
  state.counters["writer_heap_half_way"] = bytes(midBytes);
  state.counters["writer_heap_at_end"] = bytes(writingBytes);
  state.counters["writer_heap_peak"] = bytes(peakBytes);
  state.counters["per_stream_heap"] = bytes(ringBytes + peakBytes);
  state.counters["heap_left_after_finish"] = bytes(leftBytes);
}

void BM_TwentyStreams(benchmark::State& state, RecordingLoad::Pace pace) {
  const RecordingLoad::Clip* clip = clipOrSkip(state);
  if (!clip) return;
  double wallNs = 0;
  double recorderNs = 0;
  std::uint64_t pushed = 0;
  std::uint64_t dropped = 0;
  std::uint64_t lost = 0;
  std::uint64_t fullWaits = 0;
  std::uint64_t fileBytes = 0;
  std::int64_t mediaUs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto load = std::make_unique<RecordingLoad>(kStreams, kRingPackets);
    if (!load->error().empty()) {
      state.SkipWithError(load->error().c_str());
      break;
    }
    state.ResumeTiming();
    // The recorder's CPU: the process's less this thread's (the only other thread).
    const std::int64_t wall0 = nowNs(CLOCK_MONOTONIC);
    const std::int64_t process0 = nowNs(CLOCK_PROCESS_CPUTIME_ID);
    const std::int64_t self0 = nowNs(CLOCK_THREAD_CPUTIME_ID);
    load->play(pace);
    const bool finished = load->finish(std::chrono::seconds(120));
    const std::int64_t self = nowNs(CLOCK_THREAD_CPUTIME_ID) - self0;
    const std::int64_t process = nowNs(CLOCK_PROCESS_CPUTIME_ID) - process0;
    wallNs += static_cast<double>(nowNs(CLOCK_MONOTONIC) - wall0);
    recorderNs += static_cast<double>(process - self);
    if (!finished || !load->allOk()) {
      state.SkipWithError("a stream's file failed or did not finish");
      break;
    }
    pushed += load->pushed();
    dropped += load->dropped();
    lost += load->packetsLost();
    fullWaits += load->ringFullWaits();
    fileBytes += load->fileBytes();
    mediaUs = load->mediaUs();
    state.PauseTiming();
    load.reset();
    state.ResumeTiming();
  }
  if (state.iterations() == 0 || pushed == 0) return;
  const auto iterations = static_cast<double>(state.iterations());
  // Stream i starts i × kStaggerUs after the first: the recording spans this much.
  const double spanUs = static_cast<double>(mediaUs) +
                        static_cast<double>((kStreams - 1) * RecordingLoad::kStaggerUs);
  state.SetLabel(std::to_string(kStreams) + " streams of " + clip->description);
  state.counters["dropped"] = static_cast<double>(dropped) / iterations;
  state.counters["lost"] = static_cast<double>(lost) / iterations;
  state.counters["recorder_us_per_packet"] = recorderNs / static_cast<double>(pushed) / 1e3;
  state.counters["recorder_core_pct"] = recorderNs / wallNs * 100;
  // Streams of this clip one core's worth of recorder thread would keep up with, from its
  // CPU time (the wall-clock figures below also depend on who else wants the cores).
  state.counters["streams_per_core"] =
      static_cast<double>(kStreams) * spanUs * 1e3 * iterations / recorderNs;
  state.counters["file_bytes"] =
      benchmark::Counter(static_cast<double>(fileBytes) / iterations, benchmark::Counter::kDefaults,
                         benchmark::Counter::kIs1024);
  if (pace == RecordingLoad::Pace::FlatOut) {
    // Media recorded per second of wall time: how many times real time the recorder keeps
    // up with the 20 streams.
    state.counters["x_realtime"] = spanUs * 1e3 * iterations / wallNs;
    state.counters["ring_full_waits"] = static_cast<double>(fullWaits) / iterations;
  }
}

// BM_RecorderWrite and BM_TwentyStreams time a whole clip (5 s of media) per iteration: read
// their counters.
BENCHMARK(BM_RecordingTap);
BENCHMARK(BM_RecorderWrite)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RecordedStreamMemory)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TwentyStreams, realtime, RecordingLoad::Pace::RealTime)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TwentyStreams, flat_out, RecordingLoad::Pace::FlatOut)
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parley::record
