#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/Producer.h"
#include "media/rtp/RtpPacket.h"
#include "media/rtp/SendStatistics.h"
#include "media/rtp/SequenceRewriter.h"

namespace parley::media {

// One track sent to one subscriber: picks the simulcast layer it forwards, and rewrites
// each forwarded packet (SSRC, sequence number, timestamp) so the subscriber sees one
// continuous RTP stream across layer switches and pauses.
class Consumer {
 public:
  Consumer(Producer& producer, uint32_t ssrc, std::string trackId);
  // Asks the CPU to fetch the fields prepare() reads and writes (WebRtcSink::prefetch).
  void prefetch() const {
    __builtin_prefetch(this);
    __builtin_prefetch(&rewriter_);
    __builtin_prefetch(&stats_);
    __builtin_prefetch(&lastForwardUs_);
  }

  Producer& producer() { return producer_; }
  const Producer& producer() const { return producer_; }
  uint32_t ssrc() const { return ssrc_; }
  const std::string& trackId() const { return trackId_; }
  bool isVideo() const { return producer_.isVideo(); }

  // The subscriber asked for this medium (subscribeToAudio/Video, channel `active`).
  void setEnabled(bool enabled);
  bool enabled() const { return enabled_; }
  // The SFU's own pause (audio fallback), apart from what the subscriber asked for: the track
  // flows only when enabled and not suspended, and restarts on a keyframe.
  void setSuspended(bool suspended);
  bool suspended() const { return suspended_; }
  // The payload types the subscriber's answer accepted (all until it says). Packets of
  // another codec are not sent: the browser would drop them after decrypting, and a
  // publisher in a codec this subscriber cannot decode gives it no video rather than noise.
  void setAcceptedPayloadTypes(const std::vector<uint8_t>& payloadTypes);
  // The highest VP8 temporal layer forwarded (0: base only, about a quarter of the frame rate
  // with Chrome's three layers; kAllTemporalLayers: everything). Lowering takes effect at once;
  // raising waits for a keyframe, which the consumer asks for, since frames of a layer just let
  // in may refer to frames it never got.
  static constexpr uint8_t kAllTemporalLayers = 0xFF;
  void setMaxTemporalLayer(uint8_t layer);
  uint8_t maxTemporalLayer() const { return maxTemporalLayer_; }
  uint64_t temporalDrops() const { return temporalDrops_; }
  bool acceptsPayloadType(uint8_t payloadType) const { return accepted_.test(payloadType & 0x7F); }

  // Simulcast: the layer the consumer should move to (it switches on that layer's next
  // keyframe). `current` is what it forwards now; nullopt before the first keyframe.
  void setTargetLayer(size_t layer) { targetLayer_ = layer; }
  size_t targetLayer() const { return targetLayer_; }
  std::optional<size_t> currentLayer() const { return currentLayer_; }
  // True while the consumer waits for a keyframe it should ask the publisher for.
  bool wantsKeyframe() const;
  std::optional<size_t> keyframeLayer() const;

  // Writes the packet as this subscriber must get it into `slot` (PacketSink::kSlotSize
  // bytes) and returns its size; 0 when it is not forwarded.
  size_t prepare(const rtp::RtpPacket& in, size_t layer, bool keyframe, uint8_t* slot,
                 int64_t nowUs);
  // The packet with outgoing sequence number `seq` again, from the producer's buffer;
  // 0 when it is gone or not ours.
  size_t prepareRetransmission(uint16_t seq, uint8_t* slot, int64_t nowUs);

  rtp::SendStatistics& stats() { return stats_; }
  const rtp::SendStatistics& stats() const { return stats_; }
  uint64_t forwarded() const { return forwarded_; }
  uint64_t retransmitted() const { return retransmitted_; }
  uint64_t layerSwitches() const { return layerSwitches_; }

 private:
  // True (and the packet taken out of the sequence) when its VP8 temporal layer is above the
  // maximum.
  bool dropsTemporalLayer(const rtp::RtpPacket& p);
  size_t write(const rtp::RtpPacket& in, uint16_t seq, uint32_t ts, uint8_t* slot, int64_t nowUs);
  // VP8 PictureID / TL0PICIDX continuity across layer switches (the receiver's frame
  // reference tracking would otherwise see a jump back and drop frames).
  void rewriteVp8(rtp::RtpPacket& p, uint8_t* slot);

  Producer& producer_;
  uint32_t ssrc_;
  std::string trackId_;
  rtp::SequenceRewriter rewriter_;
  rtp::SendStatistics stats_;
  bool enabled_ = true;
  bool suspended_ = false;
  uint8_t maxTemporalLayer_ = kAllTemporalLayers;
  uint64_t temporalDrops_ = 0;
  bool droppedPicture_ = false;  // a picture id was taken out of the sequence
  uint16_t lastDroppedPictureId_ = 0;
  std::bitset<128> accepted_ = std::bitset<128>().set();
  bool refusedCodec_ = false;  // the last packet was of a codec the subscriber refused
  size_t targetLayer_ = 0;
  std::optional<size_t> currentLayer_;
  bool resync_ = false;  // re-enabled: restart on a keyframe
  bool vp8Rebase_ = false;
  bool vp8Started_ = false;
  uint16_t pictureIdDelta_ = 0;
  uint8_t tl0Delta_ = 0;
  uint16_t lastPictureId_ = 0;
  uint8_t lastTl0_ = 0;
  int64_t lastForwardUs_ = 0;
  uint64_t forwarded_ = 0;
  uint64_t retransmitted_ = 0;
  uint64_t layerSwitches_ = 0;
};

}  // namespace parley::media
