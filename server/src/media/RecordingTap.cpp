#include "media/RecordingTap.h"

#include <span>

namespace parley::media {

RecordingTap::RecordingTap(std::shared_ptr<record::PacketRing> ring) : ring_(std::move(ring)) {}

// A tap removed before its publication (recording stopped) ends the stream too.
RecordingTap::~RecordingTap() {
  ring_->close();
}

void RecordingTap::onPacket(const Packet& packet) {
  ring_->push(std::span<const uint8_t>(packet.rtp.data(), packet.rtp.size()), packet.arrivalUs,
              static_cast<uint8_t>(packet.track), static_cast<uint8_t>(packet.layer),
              packet.keyframe);
}

void RecordingTap::onSourceGone() {
  ring_->close();
}

}  // namespace parley::media
