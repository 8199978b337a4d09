#include "RecordingLoad.h"

#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <stdexcept>
#include <thread>

#include "../test/record/RtpClip.h"
#include "record/MediaFileReader.h"

namespace parley::record {

namespace fs = std::filesystem;

namespace {

// 720p at ~1.5 Mbit/s: what a camera publishes in a call. The noise keeps libvpx from
// squeezing the test pattern far below the target bitrate.
recordtest::ClipOptions clipOptions() {
  recordtest::ClipOptions o;
  o.video = "testsrc2=size=1280x720:rate=30,noise=alls=12:allf=t";
  o.seconds = 5;
  o.videoBitrate = "1500k";
  o.keyframeInterval = 60;
  o.realtimeEncoder = true;
  return o;
}

std::unique_ptr<RecordingLoad::Clip> loadClip(std::string* error) {
  RecordingLoad::TempDir dir;
  const fs::path file = dir.path() / "clip.webm";
  const recordtest::ClipOptions options = clipOptions();
  if (!recordtest::makeClip(file, options)) {
    *error = "ffmpeg (make deps) could not make the clip";
    return nullptr;
  }
  auto reader = MediaFileReader::open(file.string(), error);
  if (!reader) return nullptr;
  int videoFrames = 0;
  const auto rtp = recordtest::packetize(*reader, &videoFrames);
  if (rtp.empty() || videoFrames == 0) {
    *error = "the clip has no video";
    return nullptr;
  }
  auto clip = std::make_unique<RecordingLoad::Clip>();
  // The first packet at 1 s, as the writer wants positive arrival times.
  if (!recordtest::toRingPackets(rtp, 1000000, &clip->packets)) {
    *error = "a packet is larger than a ring slot";
    return nullptr;
  }
  for (const auto& p : rtp) clip->rtpBytes += p.bytes.size();
  clip->durationUs = clip->packets.back().arrivalUs - clip->packets.front().arrivalUs;
  const double kbps = static_cast<double>(clip->rtpBytes) * 8 * 1000 /
                      static_cast<double>(std::max<std::int64_t>(clip->durationUs, 1));
  clip->description = "720p VP8+Opus " + std::to_string(static_cast<int>(kbps)) + " kbit/s, " +
                      std::to_string(clip->packets.size()) + " pkts/" +
                      std::to_string(options.seconds) + "s";
  return clip;
}

}  // namespace

const RecordingLoad::Clip* RecordingLoad::clip(std::string* error) {
  static std::string failure;
  static const std::unique_ptr<Clip> clip = loadClip(&failure);
  if (!clip) *error = failure;
  return clip.get();
}

std::vector<StreamFileWriter::Track> RecordingLoad::tracks() {
  return {{TrackFormat{TrackFormat::Codec::Vp8}, 90000},
          {TrackFormat{TrackFormat::Codec::Opus}, 48000}};
}

RecordingLoad::TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/parley-bench-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

RecordingLoad::TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

RecordingLoad::RecordingLoad(std::size_t streams, std::size_t ringPackets)
    : finished_(std::make_shared<Finished>()), recorder_(std::make_unique<Recorder>()) {
  for (std::size_t i = 0; i < streams; ++i) {
    const fs::path file = dir_.path() / ("stream-" + std::to_string(i) + ".webm");
    auto writer = StreamFileWriter::create(
        file.string(), tracks(), 0, {},
        [finished = finished_](const StreamFileWriter::Result& r) {
          std::lock_guard lock(finished->mutex);
          finished->results.push_back(r);
        },
        &error_);
    if (!writer) return;
    rings_.push_back(std::make_shared<PacketRing>(ringPackets));
    recorder_->add(rings_.back(), std::move(writer));
  }
}

RecordingLoad::~RecordingLoad() {
  for (auto& ring : rings_) ring->close();
  recorder_.reset();  // finishes what is left, joins
}

void RecordingLoad::play(Pace pace, const std::atomic<bool>* stop) {
  std::string ignored;
  const Clip* c = clip(&ignored);
  if (!c || rings_.empty()) return;
  struct Due {
    std::int64_t us;  // from the start of play
    std::uint32_t stream;
    std::uint32_t packet;
  };
  std::vector<Due> schedule;
  schedule.reserve(rings_.size() * c->packets.size());
  const std::int64_t firstUs = c->packets.front().arrivalUs;
  for (std::uint32_t s = 0; s < rings_.size(); ++s)
    for (std::uint32_t p = 0; p < c->packets.size(); ++p)
      schedule.push_back(Due{c->packets[p].arrivalUs - firstUs + s * kStaggerUs, s, p});
  std::stable_sort(schedule.begin(), schedule.end(),
                   [](const Due& a, const Due& b) { return a.us < b.us; });
  mediaUs_ = c->durationUs;

  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const std::int64_t startUs =
      std::chrono::duration_cast<std::chrono::microseconds>(start.time_since_epoch()).count();
  auto push = [&](const Due& d) {
    const PacketRing::Packet& p = c->packets[d.packet];
    return rings_[d.stream]->push(std::span<const std::uint8_t>(p.bytes.data(), p.size),
                                  startUs + d.us, p.track, 0, false);
  };
  auto stopped = [stop] { return stop && stop->load(std::memory_order_relaxed); };

  std::size_t next = 0;
  if (pace == Pace::RealTime) {
    while (next < schedule.size() && !stopped()) {
      const std::int64_t nowUs =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
      // A worker queues what arrived; the ring drops (and counts) what does not fit.
      for (; next < schedule.size() && schedule[next].us <= nowUs; ++next) {
        push(schedule[next]);
        ++pushed_;
      }
      // At most one wake-up a millisecond, as a worker takes its packets in batches.
      if (next < schedule.size())
        std::this_thread::sleep_until(std::max(start + std::chrono::microseconds(schedule[next].us),
                                               Clock::now() + std::chrono::milliseconds(1)));
    }
  } else {
    for (; next < schedule.size() && !stopped(); ++next) {
      // Waiting on a full ring is what a worker never does: it measures the recorder.
      while (!push(schedule[next])) {
        ++fullWaits_;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      ++pushed_;
    }
  }
}

bool RecordingLoad::finish(std::chrono::seconds timeout) {
  if (!closed_)
    for (auto& ring : rings_) ring->close();
  closed_ = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(finished_->mutex);
      if (finished_->results.size() == rings_.size()) return true;
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::uint64_t RecordingLoad::dropped() const {
  std::uint64_t n = 0;
  for (const auto& ring : rings_) n += ring->dropped();
  return n - fullWaits_;  // a flat-out retry counts as a drop in the ring
}

bool RecordingLoad::allOk() const {
  std::lock_guard lock(finished_->mutex);
  if (finished_->results.size() != rings_.size()) return false;
  for (const auto& r : finished_->results)
    if (!r.ok) return false;
  return true;
}

std::uint64_t RecordingLoad::fileBytes() const {
  std::lock_guard lock(finished_->mutex);
  std::uint64_t n = 0;
  for (const auto& r : finished_->results) n += r.bytesWritten;
  return n;
}

std::uint64_t RecordingLoad::packetsLost() const {
  std::lock_guard lock(finished_->mutex);
  std::uint64_t n = 0;
  for (const auto& r : finished_->results) n += r.packetsLost;
  return n;
}

}  // namespace parley::record
