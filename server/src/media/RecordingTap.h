#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "media/MediaSink.h"
#include "record/PacketRing.h"

namespace parley::media {

// The recording consumer of one publication: copies the packets the Router hands it (RTP
// bytes, arrival time, track and layer) into a PacketRing that a recorder thread drains.
// Never blocks the worker: when the recorder falls behind, packets are dropped and counted
// by the ring. When the publication goes, or the tap is removed, the ring is closed, so the
// recorder knows the stream ended once it has drained it.
//
// A recording keeps one layer of a simulcast video track (the packets of several layers
// would interleave sequence numbers and timestamps of separate RTP streams) and only the
// tracks it records, renumbered in the order the file has them.
class RecordingTap final : public MediaSink {
 public:
  static constexpr size_t kMaxTracks = 8;
  static constexpr uint8_t kSkip = 0xff;  // a track (or layer) not recorded

  explicit RecordingTap(std::shared_ptr<record::PacketRing> ring);
  ~RecordingTap() override;

  record::PacketRing& ring() { return *ring_; }
  // Producer index `track` goes to the file's track `output` (kSkip: not recorded);
  // `layer`: the simulcast layer kept (kSkip: every packet, no simulcast).
  void route(size_t track, uint8_t output, uint8_t layer);

  // MediaSink
  void onPacket(const Packet& packet) override;
  void onSourceGone() override;

 private:
  // Shared with the recorder thread, which may still drain it after the tap is gone.
  std::shared_ptr<record::PacketRing> ring_;
  std::array<uint8_t, kMaxTracks> output_;
  std::array<uint8_t, kMaxTracks> layer_;
};

}  // namespace parley::media
