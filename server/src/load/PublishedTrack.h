#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "load/ClipCodec.h"
#include "load/Pacer.h"
#include "load/PacketBatch.h"
#include "load/RtpPacketizer.h"

namespace parley::load {

// One track a simulated publisher sends: a packetized clip played in a loop at its own
// pace, a frame's packets let out by a browser-like Pacer (an ordinary frame at once, a
// keyframe spread out), every packet stamped with abs-capture-time set to its send time so
// subscribers can measure the end-to-end delay. Keeps the last packets for NACKs and
// restarts at the next keyframe of the clip when asked for one.
class PublishedTrack {
 public:
  struct Settings {
    bool video = false;
    ClipCodec codec = ClipCodec::Opus;
    uint32_t ssrc = 0;
    uint8_t payloadType = 0;
    uint32_t clockRate = 48000;
    std::shared_ptr<const std::vector<PacketizedFrame>> frames;
    std::string mid;
    // Pacing rate as a multiple of the clip's mean bitrate (0: each frame at once).
    double pacingFactor = 0;
  };
  // Header extension ids the answer accepted (0: not sent).
  struct ExtensionIds {
    uint8_t mid = 0;
    uint8_t absCaptureTime = 0;
  };

  static constexpr size_t kMaxPacket = 1300;  // RTP header + payload, before SRTP
  static constexpr size_t kHistory = 512;
  // Captures beyond this many frames waiting for the pacer are not queued (framesDropped):
  // the clip then plays late instead of growing a backlog without bound.
  static constexpr size_t kMaxWaitingFrames = 30;
  // Captures missed by more than this are skipped, not queued (see captureDueFrames).
  static constexpr int64_t kMaxBehindUs = 200000;

  PublishedTrack(Settings settings, uint32_t firstTimestamp, uint16_t firstSequence);

  const Settings& settings() const { return settings_; }
  void setExtensionIds(ExtensionIds ids) { ext_ = ids; }
  void start(int64_t nowUs) { nextFrameUs_ = nowUs; }
  // When send() has something to do: the next frame's capture or the next paced packet.
  int64_t nextDueUs() const;
  // The pacing rate in bytes per second (0: none).
  double pacingBytesPerSecond() const { return pacingBytesPerSecond_; }

  // Captures the frames whose time has come and adds the RTP packets (not yet protected)
  // of the oldest waiting frame that the pacer lets out now to `out`, stopping at the end
  // of that frame; returns how many. `sendNtp`: the abs-capture-time to stamp (UQ32.32 NTP).
  size_t send(int64_t nowUs, uint64_t sendNtp, PacketBatch& out);

  void requestKeyframe() { keyframeWanted_ = true; }
  // The packet with sequence number `seq` again, if still kept; its size, else 0.
  size_t copyForRetransmission(uint16_t seq, uint8_t* out) const;

  uint64_t packetsSent() const { return packetsSent_; }
  uint64_t bytesSent() const { return bytesSent_; }
  uint64_t framesSent() const { return framesSent_; }
  uint64_t keyframesSent() const { return keyframesSent_; }
  uint64_t framesDropped() const { return framesDropped_; }
  uint32_t lastTimestamp() const { return timestamp_; }

 private:
  int64_t durationUs(const PacketizedFrame& frame) const;
  size_t writePacket(const std::vector<uint8_t>& payload, bool marker, uint64_t captureNtp,
                     uint8_t* out);
  void captureDueFrames(int64_t nowUs);
  void finishFrame();

  Settings settings_;
  ExtensionIds ext_;
  size_t frameIndex_ = 0;
  uint32_t timestamp_;
  uint16_t sequence_;
  uint16_t pictureId_ = 0;
  int64_t nextFrameUs_ = 0;
  size_t framesWaiting_ = 0;  // captured, not yet wholly sent (the first one from packet_)
  size_t packet_ = 0;         // the next packet of frames[frameIndex_]
  bool keyframeWanted_ = false;
  double pacingBytesPerSecond_ = 0;
  Pacer pacer_;
  struct Sent {
    uint16_t sequence = 0;
    uint16_t size = 0;
    std::array<uint8_t, kMaxPacket> bytes;
  };
  std::unique_ptr<std::array<Sent, kHistory>> history_;
  uint64_t packetsSent_ = 0;
  uint64_t bytesSent_ = 0;
  uint64_t framesSent_ = 0;
  uint64_t keyframesSent_ = 0;
  uint64_t framesDropped_ = 0;
};

}  // namespace parley::load
