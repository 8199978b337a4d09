#include "media/RecordingTap.h"

#include <algorithm>
#include <span>

#include "media/Producer.h"
#include "media/Publication.h"

namespace parley::media {

namespace {
constexpr uint32_t kVideoTicksPerMs = 90;  // RTP video clock
}

RecordingTap::RecordingTap(std::shared_ptr<record::PacketRing> ring) : ring_(std::move(ring)) {
  // Until told otherwise, every track goes to the file as it is numbered.
  for (size_t i = 0; i < kMaxTracks; ++i) {
    output_[i] = static_cast<uint8_t>(i);
    layer_[i] = kSkip;
  }
}

// A tap removed before its publication (recording stopped) ends the stream too.
RecordingTap::~RecordingTap() {
  ring_->close();
}

void RecordingTap::route(size_t track, uint8_t output, uint8_t layer) {
  if (track >= kMaxTracks) return;
  output_[track] = output;
  layer_[track] = layer;
  follow_[track] = Follow{};
}

bool RecordingTap::followLayer(Follow& f, const Packet& packet) {
  const Producer& producer = packet.producer;
  const int64_t now = packet.arrivalUs;
  // The best layer: the highest that sent within the last second, else this one.
  size_t best = packet.layer;
  for (size_t l = producer.layerCount(); l-- > 0;)
    if (producer.layerLive(l, now)) {
      best = l;
      break;
    }
  if (packet.layer != f.current) {
    const bool currentGone = f.current == kSkip || !producer.layerLive(f.current, now);
    // Move at a keyframe: up to the best layer, or to any layer once ours has stopped.
    if (!packet.keyframe || (packet.layer != best && !currentGone)) {
      if (best != f.current && publication_) publication_->requestKeyFrame(best, now);
      return false;
    }
    const uint16_t sequence = packet.rtp.sequenceNumber();
    const uint32_t timestamp = packet.rtp.timestamp();
    if (f.written) {
      // Continue right after the last packet written, as far on in time as it came later.
      const int64_t elapsedMs = std::max<int64_t>(1, (now - f.lastArrivalUs) / 1000);
      f.shift.sequence = static_cast<uint16_t>(f.lastSequence + 1 - sequence);
      f.shift.timestamp = static_cast<uint32_t>(
          f.lastTimestamp + static_cast<uint32_t>(elapsedMs) * kVideoTicksPerMs - timestamp);
      ++layerSwitches_;
    }
    f.current = static_cast<uint8_t>(packet.layer);
  } else if (best != f.current && publication_) {
    publication_->requestKeyFrame(best, now);  // rate-limited by the publication
  }
  // A late (reordered) packet does not move the position back.
  const auto sequence = static_cast<uint16_t>(packet.rtp.sequenceNumber() + f.shift.sequence);
  if (!f.written || static_cast<int16_t>(sequence - f.lastSequence) > 0) {
    f.lastSequence = sequence;
    f.lastTimestamp = packet.rtp.timestamp() + f.shift.timestamp;
    f.lastArrivalUs = now;
  }
  f.written = true;
  return true;
}

void RecordingTap::onPacket(const Packet& packet) {
  if (packet.track >= kMaxTracks) return;
  const uint8_t output = output_[packet.track];
  const uint8_t layer = layer_[packet.track];
  if (output == kSkip) return;
  record::PacketRing::Shift shift;
  if (layer == kFollow) {
    Follow& f = follow_[packet.track];
    if (!followLayer(f, packet)) return;
    shift = f.shift;
  } else if (layer != kSkip && packet.layer != layer) {
    return;
  }
  ring_->push(std::span<const uint8_t>(packet.rtp.data(), packet.rtp.size()), packet.arrivalUs,
              output, static_cast<uint8_t>(packet.layer), packet.keyframe, shift);
}

void RecordingTap::onSenderReport(const SenderReport& report) {
  if (report.track >= kMaxTracks || output_[report.track] == kSkip) return;
  const uint8_t layer = layer_[report.track];
  uint32_t shift = 0;
  if (layer == kFollow) {
    const Follow& f = follow_[report.track];
    if (report.layer != f.current) return;
    shift = f.shift.timestamp;
  } else if (layer != kSkip && report.layer != layer) {
    return;
  }
  ring_->pushSenderReport(output_[report.track], report.ntpTimestamp, report.rtpTimestamp + shift,
                          report.arrivalUs);
}

void RecordingTap::onSourceGone() {
  ring_->close();
}

}  // namespace parley::media
