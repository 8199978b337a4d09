#pragma once

#include <cstddef>
#include <cstdint>

#include "media/rtp/RtpPacket.h"

namespace parley::media {

class Producer;

// Whatever takes a publication's packets from the Router's fan-out: the WebRTC sink that
// sends them to one subscriber (WebRtcSink), the recording tap that hands them to a
// recorder thread (RecordingTap) and, later, a pipe to a router on another worker or node.
// Called on the worker thread, for every forwardable packet: implementations must not
// block, must not allocate in steady state, and must not attach or detach sinks from
// onPacket (the Router is iterating its list).
class MediaSink {
 public:
  // One packet as the Router hands it out: decrypted, RTX unwrapped, duplicates dropped.
  struct Packet {
    Producer& producer;
    size_t track;  // the producer's index in its publication (stable while it lives)
    size_t layer;  // simulcast layer (0 without simulcast)
    bool keyframe;
    const rtp::RtpPacket& rtp;
    int64_t arrivalUs;  // worker clock
  };

  // An RTCP sender report of one of the publication's RTP streams: when its RTP timestamp
  // was on the publisher's wall clock, what recordings need to keep tracks in step.
  struct SenderReport {
    size_t track;
    size_t layer;
    uint64_t ntpTimestamp;  // 32.32 fixed point
    uint32_t rtpTimestamp;
    int64_t arrivalUs;
  };

  virtual ~MediaSink() = default;

  virtual void onPacket(const Packet& packet) = 0;
  // Asks the CPU to fetch what onPacket will read, a few sinks before the fan-out reaches
  // this one (Router::route): stage 0 may read only this object's own fields, each later
  // stage may follow the pointers the stage before fetched. Changes nothing; most sinks have
  // nothing to fetch.
  static constexpr int kPrefetchStages = 2;
  virtual void prefetch(int stage) const { (void)stage; }
  // Most sinks send their own reports and have no use for the publisher's.
  virtual void onSenderReport(const SenderReport&) {}
  // The publication is being removed: its producers, which packets referred to, go with it.
  // No packet follows; the sink stays registered nowhere.
  virtual void onSourceGone() = 0;
};

}  // namespace parley::media
