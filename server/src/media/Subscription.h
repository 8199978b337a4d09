#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/Consumer.h"
#include "media/VideoFallback.h"
#include "media/WebRtcSink.h"
#include "media/WebRtcTransport.h"

namespace parley::media {

class Publication;
class Router;

// One subscriber's view of a publication, the WebRTC adapter around its WebRtcSink: owns
// the subscriber's transport and the sink the Router fans the publication out to. Answers
// the subscriber's NACKs from the producer's buffer, turns its PLI/FIR into (throttled)
// keyframe requests, and picks the simulcast layer its bandwidth allows.
class Subscription final : public WebRtcTransport::Listener {
 public:
  Subscription(Router& router, std::string subscriberId, Publication& publication,
               std::unique_ptr<WebRtcTransport> transport,
               std::vector<std::unique_ptr<Consumer>> consumers);
  ~Subscription() override;

  const std::string& subscriberId() const { return subscriberId_; }
  WebRtcTransport& transport() { return *transport_; }
  // Null once the publication was removed: its producers, which the consumers refer to, are
  // gone, so the consumers went too. The subscription stays (inert) until the control
  // thread removes it.
  Publication* publication() { return sink_.source(); }
  // What the Router attaches to the publication.
  WebRtcSink& sink() { return sink_; }
  Consumer* consumer(sdp::MediaKind kind) { return sink_.consumer(kind); }
  const std::vector<std::unique_ptr<Consumer>>& consumers() const { return sink_.consumers(); }

  void setEnabled(sdp::MediaKind kind, bool enabled);
  // Audio fallback for this subscriber (the stream's subscriberAudioFallbackEnabled): off by
  // default; turning it off gives back video the SFU had stopped.
  void setVideoFallback(bool allowed);
  bool videoSuspended() const { return fallback_.suspended(); }
  // From the subscriber's preferredFrameRate (0: none) and restrictFrameRate: the VP8 temporal
  // layers it gets. Chrome sends three, at about a quarter, half and all of the frame rate.
  void setFrameRate(double preferredFps, bool restricted);
  // From the subscriber's preferredWidth/Height (0: no preference).
  void setPreferredSize(uint32_t width, uint32_t height, uint32_t fullWidth);

  void tick(int64_t nowUs);
  uint64_t bandwidthEstimate() const { return estimateBps_; }

  // WebRtcTransport::Listener
  void onTransportConnected(WebRtcTransport& t) override;
  void onTransportClosed(WebRtcTransport& t, std::string_view reason) override;
  void onRtp(WebRtcTransport& t, rtp::RtpPacket& packet, int64_t nowUs) override;
  void onRtcp(WebRtcTransport& t, const uint8_t* data, size_t size, int64_t nowUs) override;

  bool closed() const { return closed_; }
  const std::string& closeReason() const { return closeReason_; }
  uint64_t nacksReceived() const { return nacksReceived_; }
  uint64_t keyframeRequestsReceived() const { return pliReceived_; }

 private:
  void selectLayer(int64_t nowUs);
  void updateFallback(int64_t nowUs);
  void applyFallback(bool suspend);
  void sendSenderReports(int64_t nowUs);

  Router& router_;
  std::string subscriberId_;
  std::unique_ptr<WebRtcTransport> transport_;
  WebRtcSink sink_;  // after transport_, which it writes to
  uint32_t localSsrc_;
  bool connected_ = false;
  bool closed_ = false;
  std::string closeReason_;
  uint64_t estimateBps_ = 0;
  uint32_t maxLayerForSize_ = 2;
  bool fallbackAllowed_ = false;
  VideoFallback fallback_;
  // Stepping up a simulcast layer (see selectLayer): after a step up, a grace period during
  // which only a falling estimate moves back down; after a step down, a back-off before the
  // next step up, doubled when the step up it undoes had just been taken.
  int64_t lastStepUpUs_ = 0;
  int64_t graceUntilUs_ = 0;
  uint64_t graceEstimate_ = 0;
  int64_t nextStepUpUs_ = 0;
  int64_t stepUpBackoffUs_ = 0;
  int64_t lastReportUs_ = 0;
  int64_t lastSelectUs_ = 0;
  uint64_t nacksReceived_ = 0;
  uint64_t pliReceived_ = 0;
};

}  // namespace parley::media
