#pragma once

#include <memory>

#include "media/MediaSink.h"
#include "record/PacketRing.h"

namespace parley::media {

// The recording consumer of one publication: copies every packet the Router hands it
// (RTP bytes, arrival time, track and layer) into a PacketRing that a recorder thread
// drains. Never blocks the worker: when the recorder falls behind, packets are dropped
// and counted by the ring. When the publication goes, the ring is closed, so the recorder
// knows the stream ended once it has drained it.
class RecordingTap final : public MediaSink {
 public:
  explicit RecordingTap(std::shared_ptr<record::PacketRing> ring);
  ~RecordingTap() override;

  record::PacketRing& ring() { return *ring_; }

  // MediaSink
  void onPacket(const Packet& packet) override;
  void onSourceGone() override;

 private:
  // Shared with the recorder thread, which may still drain it after the tap is gone.
  std::shared_ptr<record::PacketRing> ring_;
};

}  // namespace parley::media
