#include "record/StreamFileWriter.h"

#include <algorithm>

namespace parley::record {

std::unique_ptr<StreamFileWriter> StreamFileWriter::create(
    const std::string& path, std::vector<Track> tracks, std::int64_t offsetMs,
    std::function<void()> wantKeyframe, std::function<void(const Result&)> onFinished,
    std::string* error) {
  std::vector<TrackFormat> formats;
  for (const auto& t : tracks) formats.push_back(t.format);
  auto file = MediaFileWriter::create(path, formats, error);
  if (!file) return nullptr;
  std::unique_ptr<StreamFileWriter> writer(new StreamFileWriter());
  writer->file_ = std::move(file);
  writer->wantKeyframe_ = std::move(wantKeyframe);
  writer->onFinished_ = std::move(onFinished);
  writer->offsetMs_ = offsetMs;
  for (const auto& t : tracks) {
    writer->hasVideo_ = writer->hasVideo_ || t.format.isVideo();
    TrackClock clock;
    clock.video = t.format.isVideo();
    writer->tracks_.push_back(
        TrackState{t, ReorderBuffer({}), FrameAssembler(t.format.codec), clock, false});
  }
  return writer;
}

void StreamFileWriter::write(const PacketRing::Packet& packet) {
  if (packet.track >= tracks_.size() || !result_.error.empty()) return;
  if (packet.senderReport) {
    tracks_[packet.track].clock.takeReport(packet);
    syncTracks();
    return;
  }
  TrackState& state = tracks_[packet.track];
  if (packet.size < 4) return;
  const auto sequence = static_cast<std::uint16_t>((packet.bytes[2] << 8) | packet.bytes[3]);
  const std::int64_t nowMs = packet.arrivalUs / 1000;
  if (firstArrivalMs_ < 0) firstArrivalMs_ = nowMs;
  state.reorder.push(sequence, std::span<const std::uint8_t>(packet.bytes.data(), packet.size),
                     nowMs);
  drain(packet.track, nowMs);
}

void StreamFileWriter::drain(std::size_t index, std::int64_t nowMs) {
  TrackState& state = tracks_[index];
  while (auto p = state.reorder.pop(nowMs)) {
    auto frame = state.assembler.push(p->bytes, p->afterLoss);
    if (state.track.format.isVideo()) {
      // Ask once per episode: the assembler keeps wanting until a keyframe comes.
      const bool wants = state.assembler.keyframeWanted();
      if (wants && !state.keyframeAsked && wantKeyframe_) wantKeyframe_();
      state.keyframeAsked = wants;
    }
    if (!frame) continue;
    // When the frame's last packet arrived (the reorder buffer may hand it out later).
    const std::int64_t arrivedMs = p->arrivedMs;
    if (!originMs_) {
      if (state.track.format.isVideo() && frame->keyframe) {
        // The picture first, so the audio that waited finds the video's timeline there.
        originMs_ = arrivedMs;
        if (!place(index, *frame, arrivedMs)) return;
        placeEarlyFrames();
        continue;
      }
      if (!hasVideo_ || arrivedMs - firstArrivalMs_ >= kVideoWaitMs) {
        originMs_ = early_.empty() ? arrivedMs : std::min(arrivedMs, early_.front().arrivedMs);
        placeEarlyFrames();
      } else {
        // Audio before the picture: kept until the file's start is known, as the video's
        // first keyframe may have arrived before it and only be handed out later.
        if (!state.track.format.isVideo()) {
          early_.push_back(EarlyFrame{index, std::move(*frame), arrivedMs});
          if (early_.size() > kMaxEarlyFrames) early_.pop_front();
        }
        continue;
      }
    }
    if (!place(index, *frame, arrivedMs)) return;
  }
}

void StreamFileWriter::placeEarlyFrames() {
  const std::int64_t originMs = *originMs_;
  std::deque<EarlyFrame> early;
  early.swap(early_);
  for (auto& e : early)
    if (e.arrivedMs >= originMs && !place(e.track, e.frame, e.arrivedMs)) return;
}

bool StreamFileWriter::place(std::size_t index, const EncodedFrame& frame, std::int64_t arrivedMs) {
  TrackState& state = tracks_[index];
  auto& timeline = state.clock.timeline;
  if (!timeline) {
    timeline.emplace(state.track.clockRate,
                     offsetMs_ + std::max<std::int64_t>(0, arrivedMs - *originMs_));
    timeline->toMs(frame.rtpTimestamp);  // starts it, so reports can be placed
    syncTracks();
  }
  const std::int64_t pts = timeline->toMs(frame.rtpTimestamp);
  std::string error;
  if (file_->write(index, pts, frame.keyframe, frame.data, &error)) {
    if (firstPtsMs_ < 0 || pts < firstPtsMs_) firstPtsMs_ = pts;
    lastPtsMs_ = std::max(lastPtsMs_, pts);
  } else if (!error.empty()) {
    result_.error = error;  // the disk failed: the file keeps what it has
    return false;
  }
  return true;
}

void StreamFileWriter::syncTracks() {
  std::vector<TrackClock*> clocks;
  for (auto& t : tracks_) clocks.push_back(&t.clock);
  result_.syncShifts += TrackClock::alignTracks(clocks);
}

void StreamFileWriter::finish(std::uint64_t dropped) {
  if (finished_) return;
  finished_ = true;
  // Whatever still waits for a missing packet goes now.
  for (std::size_t i = 0; i < tracks_.size(); ++i)
    if (result_.error.empty()) drain(i, INT64_MAX / 2);
  std::string error;
  const bool closed = file_->finish(&error);
  if (result_.error.empty() && !closed) result_.error = error;
  result_.ok = result_.error.empty();
  result_.framesWritten = file_->framesWritten();
  result_.bytesWritten = file_->bytesWritten();
  result_.durationMs = firstPtsMs_ < 0 ? 0 : lastPtsMs_ - firstPtsMs_;
  for (const auto& t : tracks_) result_.packetsLost += t.reorder.lost();
  result_.packetsDropped = dropped;
  if (onFinished_) onFinished_(result_);
}

}  // namespace parley::record
