#include "record/Composer.h"

#include <algorithm>
#include <chrono>

#include "core/ThreadName.h"
#include "record/ComposerInput.h"
#include "record/Mp4FileMuxer.h"

namespace parley::record {

namespace {

const Picture::Colour kBackground = Picture::fromRgb(0, 0, 0);

}  // namespace

std::int64_t Composer::steadyNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::unique_ptr<Composer> Composer::create(const std::string& path, Settings settings,
                                           compose::Layout layout, Finished onFinished,
                                           std::string* error) {
  Outputs outputs;
  outputs.mp4Path = path;
  return create(std::move(outputs), settings, std::move(layout), std::move(onFinished), error);
}

std::unique_ptr<Composer> Composer::build(Outputs outputs, Settings settings,
                                          compose::Layout layout, Finished onFinished,
                                          std::string* error) {
  std::vector<std::unique_ptr<PacketMuxer>> muxers;
  if (!outputs.mp4Path.empty()) muxers.push_back(std::make_unique<Mp4FileMuxer>(outputs.mp4Path));
  if (outputs.hls) muxers.push_back(std::make_unique<HlsMuxer>(*outputs.hls));
  for (const auto& target : outputs.rtmp) {
    auto listener = [report = outputs.rtmpStatus, id = target.id](RtmpMuxer::Status status,
                                                                  const std::string& why) {
      if (report) report(id, status, why);
    };
    muxers.push_back(std::make_unique<RtmpMuxer>(target.url, std::move(listener), target.vet));
  }
  std::unique_ptr<Composer> c(new Composer());
  c->file_ = CompositionEncoder::create(settings.output, std::move(muxers), error);
  if (!c->file_) return nullptr;
  c->settings_ = settings;
  c->layout_ = std::move(layout);
  c->onFinished_ = std::move(onFinished);
  c->canvas_ = Picture(settings.output.width, settings.output.height, kBackground);
  c->originMs_ = steadyNowMs();
  return c;
}

std::unique_ptr<Composer> Composer::create(Outputs outputs, Settings settings,
                                           compose::Layout layout, Finished onFinished,
                                           std::string* error) {
  auto c = build(std::move(outputs), settings, std::move(layout), std::move(onFinished), error);
  if (c)
    c->thread_ = std::thread([raw = c.get()] {
      core::nameThisThread("composer");
      raw->run();
    });
  return c;
}

Composer::~Composer() {
  stop();
  join();
}

void Composer::join() {
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<PacketWriter> Composer::addStream(const compose::StreamInfo& info,
                                                  std::vector<Track> tracks,
                                                  std::function<void()> wantKeyframe) {
  auto input = std::make_unique<Input>();
  input->info = info;
  input->wantKeyframe = wantKeyframe;
  std::vector<TrackFormat::Codec> codecs;
  for (const auto& t : tracks) {
    InputTrack it;
    it.track = t;
    it.clock.video = t.format.isVideo();
    codecs.push_back(t.format.codec);
    input->tracks.push_back(std::move(it));
  }
  const std::uint64_t id = nextInput_++;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.added.emplace_back(id, std::move(input));
  }
  return std::make_unique<ComposerInput>(mailbox_, id, std::move(codecs), std::move(wantKeyframe));
}

void Composer::setStreamClasses(const std::string& streamId, std::vector<std::string> classes) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.classes.emplace_back(streamId, std::move(classes));
}

void Composer::setStreamVideo(const std::string& streamId, bool enabled) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.video.emplace_back(streamId, enabled);
}

void Composer::setLayout(compose::Layout layout) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.layout = std::move(layout);
}

void Composer::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopAt_) return;
    stopAt_ = std::max<std::int64_t>(0, steadyNowMs() - originMs_);
  }
  wake_.notify_all();
}

void Composer::takeNews() {
  Pending news;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::swap(news, pending_);
  }
  for (auto& [id, input] : news.added) {
    std::string error;
    for (auto& t : input->tracks) {
      // A decoder that cannot open leaves the track silent or blank, never the composition.
      if (t.track.format.isVideo())
        t.video = VideoDecoder::create(t.track.format.codec, &error);
      else
        t.audio = AudioDecoder::create(t.track.format.channels, &error);
    }
    inputs_[id] = std::move(input);
  }
  for (auto& [streamId, classes] : news.classes)
    for (auto& [id, in] : inputs_)
      if (in->info.id == streamId) {
        in->info.classes = classes;
        dirty_ = true;
      }
  for (auto& [streamId, on] : news.video)
    for (auto& [id, in] : inputs_)
      if (in->info.id == streamId && in->videoOn != on) {
        in->videoOn = on;
        // A picture from before the video went off is not shown again: the next one is.
        in->picture.reset();
        dirty_ = true;
      }
  if (news.layout) {
    layout_ = std::move(*news.layout);
    dirty_ = true;
  }
  for (auto& m : mailbox_->takeAll()) receive(m);
}

void Composer::syncInput(Input& in) {
  std::vector<TrackClock*> clocks;
  for (auto& t : in.tracks) clocks.push_back(&t.clock);
  TrackClock::alignTracks(clocks);
}

void Composer::receive(ComposerMailbox::Message& m) {
  auto found = inputs_.find(m.input);
  if (found == inputs_.end()) return;
  Input& in = *found->second;
  if (m.kind == ComposerMailbox::Message::Kind::Ended) {
    // Gone: what is still queued would only show a stream that has left.
    for (auto& t : in.tracks)
      if (t.audio) mixer_.removeSource(m.input * 16 + (&t - in.tracks.data()));
    inputs_.erase(found);
    dirty_ = true;
    return;
  }
  if (m.track >= in.tracks.size()) return;
  InputTrack& t = in.tracks[m.track];
  if (m.kind == ComposerMailbox::Message::Kind::SenderReport) {
    t.clock.report = m.report;
    syncInput(in);
    return;
  }
  if (!t.clock.timeline) {
    t.clock.timeline.emplace(t.track.clockRate, m.arrivedMs - originMs_);
    t.clock.timeline->toMs(m.frame.rtpTimestamp);
    syncInput(in);
  }
  const std::int64_t atMs = t.clock.timeline->toMs(m.frame.rtpTimestamp);
  if (t.audio) {
    std::vector<float> samples;
    t.audio->decode(m.frame.data, samples);
    mixer_.place(m.input * 16 + m.track, atMs * (compose::AudioMixer::kSampleRate / 1000), samples);
  } else if (t.video) {
    in.video.push_back(QueuedFrame{atMs, std::move(m.frame), m.track});
    // A picture due long ago is not waited for: decode it now (the decoder needs it as a
    // reference) so the queue stays short.
    while (in.video.size() > 64) {
      QueuedFrame& f = in.video.front();
      in.tracks[f.track].video->decode(f.frame.data, f.frame.keyframe);
      in.video.pop_front();
    }
  }
}

void Composer::decodeDue(Input& in, std::int64_t t) {
  while (!in.video.empty() && in.video.front().atMs <= t) {
    QueuedFrame& f = in.video.front();
    VideoDecoder& decoder = *in.tracks[f.track].video;
    const std::uint64_t before = decoder.errors();
    auto picture = decoder.decode(f.frame.data, f.frame.keyframe);
    if (decoder.errors() != before) {
      ++result_.decodeErrors;
      if (in.wantKeyframe) in.wantKeyframe();
    }
    if (picture && in.videoOn) {
      in.picture = std::move(picture);
      in.info.width = in.picture->width();
      in.info.height = in.picture->height();
      dirty_ = true;
    }
    in.video.pop_front();
  }
}

void Composer::draw(std::int64_t t) {
  for (auto& [id, in] : inputs_) decodeDue(*in, t);
  if (!dirty_) return;
  dirty_ = false;
  const int width = canvas_.width();
  const int height = canvas_.height();
  canvas_.fillRect(0, 0, width, height, kBackground);
  std::vector<compose::StreamInfo> shown;
  std::map<std::string, Input*> byStream;
  for (auto& [id, in] : inputs_) {
    if (!in->videoOn || !in->picture) continue;
    shown.push_back(in->info);
    byStream[in->info.id] = in.get();
  }
  for (const auto& box : layout_.arrange(shown, width, height)) {
    Input* in = byStream[box.streamId];
    if (!in || box.width <= 0 || box.height <= 0) continue;
    const Picture& p = *in->picture;
    const double pw = p.width();
    const double ph = p.height();
    PictureScaler::Rect from{0, 0, p.width(), p.height()};
    PictureScaler::Rect to{box.x, box.y, box.width, box.height};
    if (box.cover) {
      // Fill the box, cutting the picture's overflow evenly on both sides.
      const double scale = std::max(box.width / pw, box.height / ph);
      from.width = static_cast<int>(box.width / scale);
      from.height = static_cast<int>(box.height / scale);
      from.x = (p.width() - from.width) / 2;
      from.y = (p.height() - from.height) / 2;
    } else {
      // Letterboxed: the whole picture, centred, its aspect ratio kept.
      const double scale = std::min(box.width / pw, box.height / ph);
      to.width = static_cast<int>(pw * scale);
      to.height = static_cast<int>(ph * scale);
      to.x = box.x + (box.width - to.width) / 2;
      to.y = box.y + (box.height - to.height) / 2;
    }
    // Only the part of the box on the canvas is drawn (a custom layout may reach outside).
    if (to.x < 0 || to.y < 0 || to.x + to.width > width || to.y + to.height > height) {
      const int x0 = std::max(0, to.x);
      const int y0 = std::max(0, to.y);
      const int x1 = std::min(width, to.x + to.width);
      const int y1 = std::min(height, to.y + to.height);
      if (x1 <= x0 || y1 <= y0) continue;
      const double sx = from.width / static_cast<double>(to.width);
      const double sy = from.height / static_cast<double>(to.height);
      from.x += static_cast<int>((x0 - to.x) * sx);
      from.y += static_cast<int>((y0 - to.y) * sy);
      from.width = static_cast<int>((x1 - x0) * sx);
      from.height = static_cast<int>((y1 - y0) * sy);
      to = PictureScaler::Rect{x0, y0, x1 - x0, y1 - y0};
    }
    in->scaler.scale(p, from, canvas_, to);
  }
}

bool Composer::encode(std::int64_t t, std::int64_t until) {
  std::string error;
  const auto& out = settings_.output;
  if (out.hasVideo) {
    if (!file_->writeVideo(canvas_, t, &error)) {
      result_.error = error;
      return false;
    }
    ++result_.pictures;
  }
  // The audio up to the next picture's time (mixed even without an audio track, so the
  // streams' buffers drain).
  mixed_.clear();
  mixer_.mix(until * (compose::AudioMixer::kSampleRate / 1000), mixed_);
  if (out.hasAudio && !file_->writeAudio(mixed_, &error)) {
    result_.error = error;
    return false;
  }
  return true;
}

std::int64_t Composer::timeOf(std::int64_t tick) const {
  return tick * 1000 / settings_.output.framesPerSecond;
}

bool Composer::renderTick() {
  const std::int64_t t = timeOf(tick_);
  takeNews();
  draw(t);
  if (!encode(t, timeOf(tick_ + 1))) return false;
  lastT_ = t;
  ++tick_;
  return true;
}

void Composer::closeFile() {
  std::string error;
  const bool closed = file_->finish(&error);
  if (result_.error.empty() && !closed) result_.error = error;
  result_.ok = result_.error.empty();
  result_.durationMs = lastT_ < 0 ? 0 : timeOf(tick_);
}

void Composer::run() {
  while (true) {
    const std::int64_t t = timeOf(tick_);
    std::optional<std::int64_t> stopAt;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      const auto due = std::chrono::steady_clock::time_point(
          std::chrono::milliseconds(originMs_ + t + settings_.playoutDelayMs));
      wake_.wait_until(lock, due, [&] {
        return stopAt_ && *stopAt_ < t;  // nothing left to draw: no need to wait
      });
      stopAt = stopAt_;
    }
    if (stopAt && t > *stopAt) break;
    if (!renderTick()) break;
    // Behind by more than a few pictures (a busy machine): skip to the present.
    const std::int64_t now = steadyNowMs() - originMs_ - settings_.playoutDelayMs;
    if (now - timeOf(tick_) > timeOf(4)) {
      const std::int64_t present = now * settings_.output.framesPerSecond / 1000;
      if (present > tick_) {
        result_.picturesSkipped += static_cast<std::uint64_t>(present - tick_);
        tick_ = present;
      }
    }
  }
  closeFile();
  if (onFinished_) onFinished_(result_);
}

std::unique_ptr<Composer> Composer::createManual(Outputs outputs, Settings settings,
                                                 compose::Layout layout, std::int64_t originMs,
                                                 std::string* error) {
  auto c = build(std::move(outputs), settings, std::move(layout), {}, error);
  if (c) c->originMs_ = originMs;
  return c;
}

bool Composer::renderUntil(std::int64_t tMs) {
  while (timeOf(tick_) <= tMs)
    if (!renderTick()) return false;
  return true;
}

Composer::Result Composer::finishManual() {
  takeNews();
  closeFile();
  return result_;
}

}  // namespace parley::record
