#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "load/ClipCodec.h"
#include "load/PacketBatch.h"
#include "load/RtpPacketizer.h"

namespace parley::load {

// One track a simulated publisher sends: a packetized clip played in a loop at its own
// pace, each frame's packets sent together as a browser's pacer would let them out at this
// rate, every packet stamped with abs-capture-time (the send time) so subscribers can
// measure the end-to-end delay. Keeps the last packets for NACKs and restarts at the next
// keyframe of the clip when asked for one.
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
  };
  // Header extension ids the answer accepted (0: not sent).
  struct ExtensionIds {
    uint8_t mid = 0;
    uint8_t absCaptureTime = 0;
  };

  static constexpr size_t kMaxPacket = 1300;  // RTP header + payload, before SRTP
  static constexpr size_t kHistory = 512;

  PublishedTrack(Settings settings, uint32_t firstTimestamp, uint16_t firstSequence);

  const Settings& settings() const { return settings_; }
  void setExtensionIds(ExtensionIds ids) { ext_ = ids; }
  void start(int64_t nowUs) { nextDueUs_ = nowUs; }
  int64_t nextDueUs() const { return nextDueUs_; }

  // When the next frame is due (nowUs ≥ nextDueUs()): adds its RTP packets (not yet
  // protected) to `out` and returns how many. `captureNtp`: the abs-capture-time to stamp
  // (UQ32.32 NTP).
  size_t sendFrame(int64_t nowUs, uint64_t captureNtp, PacketBatch& out);

  void requestKeyframe() { keyframeWanted_ = true; }
  // The packet with sequence number `seq` again, if still kept; its size, else 0.
  size_t copyForRetransmission(uint16_t seq, uint8_t* out) const;

  uint64_t packetsSent() const { return packetsSent_; }
  uint64_t bytesSent() const { return bytesSent_; }
  uint64_t framesSent() const { return framesSent_; }
  uint64_t keyframesSent() const { return keyframesSent_; }
  uint32_t lastTimestamp() const { return timestamp_; }

 private:
  size_t writePacket(const std::vector<uint8_t>& payload, bool marker, uint64_t captureNtp,
                     uint8_t* out);

  Settings settings_;
  ExtensionIds ext_;
  size_t frameIndex_ = 0;
  uint32_t timestamp_;
  uint16_t sequence_;
  uint16_t pictureId_ = 0;
  int64_t nextDueUs_ = 0;
  bool keyframeWanted_ = false;
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
};

}  // namespace parley::load
