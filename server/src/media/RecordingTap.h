#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "media/MediaSink.h"
#include "record/PacketRing.h"

namespace parley::media {

class Publication;

// The recording consumer of one publication: copies the packets the Router hands it (RTP
// bytes, arrival time, track and layer) into a PacketRing that a recorder thread drains.
// Never blocks the worker: when the recorder falls behind, packets are dropped and counted
// by the ring. When the publication goes, or the tap is removed, the ring is closed, so the
// recorder knows the stream ended once it has drained it.
//
// A recording keeps only the tracks it records, renumbered in the order the file has them,
// and of a simulcast video track one layer at a time: the best one that is live. It moves
// to another layer at that layer's keyframe (asking the publisher for one), shifting
// sequence numbers and timestamps so the file's track stays one continuous RTP stream.
class RecordingTap final : public MediaSink {
 public:
  static constexpr size_t kMaxTracks = 8;
  static constexpr uint8_t kSkip = 0xff;    // a track not recorded; a layer: all of them
  static constexpr uint8_t kFollow = 0xfe;  // a layer: the best live one (simulcast)

  explicit RecordingTap(std::shared_ptr<record::PacketRing> ring);
  ~RecordingTap() override;

  record::PacketRing& ring() { return *ring_; }
  // Producer index `track` goes to the file's track `output` (kSkip: not recorded);
  // `layer`: kSkip (every packet: no simulcast), kFollow, or one fixed layer.
  void route(size_t track, uint8_t output, uint8_t layer);
  // Where keyframe requests go when the tap wants another layer (none: no requests).
  void setPublication(Publication* publication) { publication_ = publication; }
  // The layer a followed track records now (kSkip: none yet).
  uint8_t currentLayer(size_t track) const {
    return track < kMaxTracks ? follow_[track].current : kSkip;
  }
  uint64_t layerSwitches() const { return layerSwitches_; }

  // MediaSink
  void onPacket(const Packet& packet) override;
  // Passed on for the recorded layer, in the file's timestamps, so the recorder can keep
  // the tracks in step.
  void onSenderReport(const SenderReport& report) override;
  void onSourceGone() override;

 private:
  // A followed track's position in the stream the file sees.
  struct Follow {
    uint8_t current = kSkip;
    record::PacketRing::Shift shift;
    bool written = false;  // a packet went out: the next layer continues from it
    uint16_t lastSequence = 0;
    uint32_t lastTimestamp = 0;
    int64_t lastArrivalUs = 0;
  };

  // False when the packet is not to be recorded (another layer, waiting for a keyframe).
  bool followLayer(Follow& f, const Packet& packet);

  // Shared with the recorder thread, which may still drain it after the tap is gone.
  std::shared_ptr<record::PacketRing> ring_;
  Publication* publication_ = nullptr;
  std::array<uint8_t, kMaxTracks> output_;
  std::array<uint8_t, kMaxTracks> layer_;
  std::array<Follow, kMaxTracks> follow_{};
  uint64_t layerSwitches_ = 0;
};

}  // namespace parley::media
