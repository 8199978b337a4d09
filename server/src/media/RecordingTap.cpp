#include "media/RecordingTap.h"

#include <span>

namespace parley::media {

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
}

void RecordingTap::onPacket(const Packet& packet) {
  if (packet.track >= kMaxTracks) return;
  const uint8_t output = output_[packet.track];
  const uint8_t layer = layer_[packet.track];
  if (output == kSkip || (layer != kSkip && packet.layer != layer)) return;
  ring_->push(std::span<const uint8_t>(packet.rtp.data(), packet.rtp.size()), packet.arrivalUs,
              output, static_cast<uint8_t>(packet.layer), packet.keyframe);
}

void RecordingTap::onSourceGone() {
  ring_->close();
}

}  // namespace parley::media
