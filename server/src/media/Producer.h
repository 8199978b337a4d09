#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "media/TrackDescription.h"
#include "media/rtp/NackGenerator.h"
#include "media/rtp/ReceiveStatistics.h"
#include "media/rtp/RetransmissionBuffer.h"
#include "media/rtp/RtpPacket.h"

namespace parley::media {

// One track a publisher sends (its audio, or its video with up to three simulcast layers):
// turns what arrives into forwardable packets (RTX unwrapped, duplicates dropped), keeps
// receive statistics, the loss list the SFU NACKs, and the packets it may have to resend.
class Producer {
 public:
  enum class CodecKind { Opus, Vp8, Vp9, H264, Av1, Other };

  struct Layer {
    uint32_t ssrc = 0;
    uint32_t rtxSsrc = 0;
    std::string rid;
    std::unique_ptr<rtp::ReceiveStatistics> stats;
    std::unique_ptr<rtp::NackGenerator> nack;
    std::unique_ptr<rtp::RetransmissionBuffer> buffer;
    int64_t lastPacketUs = 0;
    int64_t lastKeyframeUs = 0;
    int64_t lastKeyframeRequestUs = 0;
    uint64_t keyframes = 0;
    uint64_t retransmissionsReceived = 0;
  };

  struct Received {
    size_t layer = 0;
    bool keyframe = false;
  };

  explicit Producer(TrackDescription track);

  const TrackDescription& track() const { return track_; }
  bool isVideo() const { return track_.isVideo(); }
  bool ownsSsrc(uint32_t ssrc) const;

  // Takes a decrypted packet of this track. May rewrite it in place (RTX → original:
  // `packet` is re-parsed). Returns what to forward, or nullopt for padding, duplicates
  // and packets of unknown streams.
  std::optional<Received> receive(rtp::RtpPacket& packet, uint8_t* data, int64_t nowUs);

  // A mirror's producer (another worker's copy of this track, fed through a MediaPipe) takes
  // what the origin's producer forwarded: kept for retransmission and counted, as received.
  // With `lossy` (a pipe from another node) gaps are noted for NACKs and a packet already
  // taken is refused (false): a retransmission that crossed twice.
  bool acceptPiped(const rtp::RtpPacket& packet, size_t layer, bool keyframe, int64_t nowUs,
                   bool lossy = false);

  size_t layerCount() const { return layers_.size(); }
  Layer& layer(size_t i) { return layers_[i]; }
  const Layer& layer(size_t i) const { return layers_[i]; }
  // A layer is live when it sent a packet within the last second.
  bool layerLive(size_t i, int64_t nowUs) const {
    return layers_[i].lastPacketUs && nowUs - layers_[i].lastPacketUs < 1000000;
  }
  CodecKind codecOf(uint8_t payloadType) const { return codecByPayloadType_[payloadType & 0x7F]; }
  // The SDP name of the codec the publisher sends now (of its last media packet), or of the
  // first negotiated one before any: the answer may list several, the sender picks one.
  const std::string& sendingCodec() const;

  // Forwarding stops while paused (force-muted audio, a publisher that stopped its video).
  void setPaused(bool paused) { paused_ = paused; }
  bool paused() const { return paused_; }

  uint64_t duplicates() const { return duplicates_; }
  // Audio: the loudest level of the last ~300 ms from the ssrc-audio-level extension
  // (RFC 6464), in -dBov (0 loudest, 127 silence); 127 when none was seen.
  uint8_t audioLevel(int64_t nowUs) const {
    return nowUs - audioLevelUs_ < 300000 ? audioLevel_ : 127;
  }
  bool voiceActivity(int64_t nowUs) const { return nowUs - voiceUs_ < 300000; }

 private:
  std::optional<size_t> findLayer(const rtp::RtpPacket& packet, bool& isRtx);
  bool detectKeyframe(const rtp::RtpPacket& packet) const;

  TrackDescription track_;
  uint8_t lastPayloadType_ = 0xFF;  // none yet
  std::vector<Layer> layers_;
  std::array<CodecKind, 128> codecByPayloadType_{};  // looked up per packet and consumer
  void readAudioLevel(const rtp::RtpPacket& packet, int64_t nowUs);

  bool paused_ = false;
  uint64_t duplicates_ = 0;
  uint8_t audioLevel_ = 127;
  int64_t audioLevelUs_ = 0;
  int64_t voiceUs_ = 0;
};

}  // namespace parley::media
