#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/MediaPipe.h"
#include "media/Producer.h"
#include "media/TrackDescription.h"
#include "media/WebRtcTransport.h"
#include "media/rtp/TransportCcRecorder.h"

namespace parley::media {

class Router;

// A published stream at the SFU, the WebRTC side of a producer: the publisher's transport
// and its producers (audio and video). Hands every forwardable packet to the Router, which
// fans it out, and sends the publisher what makes its stream good: NACKs, keyframe
// requests, transport-cc feedback, REMB and receiver reports.
class Publication final : public WebRtcTransport::Listener {
 public:
  Publication(Router& router, std::string streamId, std::vector<TrackDescription> tracks,
              std::unique_ptr<WebRtcTransport> transport);
  // A mirror: this worker's copy of a publication that lives on another worker, fed through
  // `pipe` (its packets, as the origin forwarded them) and asking the origin for keyframes.
  // It has no transport; subscriptions on this worker attach to it as to the original.
  Publication(Router& router, std::string streamId, std::vector<TrackDescription> tracks,
              std::shared_ptr<MediaPipe> pipe);
  ~Publication() override;

  bool mirrored() const { return pipe_ != nullptr; }
  // A mirror's pipe (null for the original).
  const std::shared_ptr<MediaPipe>& pipe() const { return pipe_; }
  // Only a publication that is not a mirror has one.
  bool hasTransport() const { return transport_ != nullptr; }

  const std::string& streamId() const { return streamId_; }
  WebRtcTransport& transport() { return *transport_; }
  Producer* producer(sdp::MediaKind kind);
  const std::vector<std::unique_ptr<Producer>>& producers() const { return producers_; }
  bool announced() const { return announced_; }

  // A PLI (or FIR) for one video layer, at most one per 300 ms per layer.
  void requestKeyFrame(size_t layer, int64_t nowUs);
  void setPaused(sdp::MediaKind kind, bool paused);

  void tick(int64_t nowUs);
  uint64_t nacksSent() const { return nacksSent_; }
  uint64_t keyframeRequests() const { return keyframeRequests_; }
  uint64_t feedbackSent() const { return feedbackSent_; }
  int64_t rttMs() const { return rttMs_; }

  // WebRtcTransport::Listener
  void onTransportConnected(WebRtcTransport& t) override;
  void onTransportClosed(WebRtcTransport& t, std::string_view reason) override;
  void onRtp(WebRtcTransport& t, rtp::RtpPacket& packet, int64_t nowUs) override;
  void onRtcp(WebRtcTransport& t, const uint8_t* data, size_t size, int64_t nowUs) override;

  bool closed() const { return closed_; }
  const std::string& closeReason() const { return closeReason_; }

 private:
  void sendNacks(int64_t nowUs);
  void sendTransportFeedback();
  void sendReports(int64_t nowUs);
  void waitForPipe();
  void drainPipe();
  // A mirror fed from another node: NACKs for what did not cross, over the pipe's feedback.
  void askPipeAgain(int64_t nowUs);

  Router& router_;
  std::string streamId_;
  std::unique_ptr<WebRtcTransport> transport_;
  std::vector<std::unique_ptr<Producer>> producers_;
  rtp::TransportCcRecorder transportCc_;
  uint8_t transportCcId_ = 0;
  uint32_t localSsrc_;
  bool announced_ = false;
  bool closed_ = false;
  std::string closeReason_;
  int64_t lastNackUs_ = 0;
  int64_t lastFeedbackUs_ = 0;
  int64_t lastReportUs_ = 0;
  int64_t rttMs_ = 100;
  uint64_t nacksSent_ = 0;
  uint64_t keyframeRequests_ = 0;
  uint64_t feedbackSent_ = 0;
  uint8_t firSequence_ = 0;
  // Mirror only.
  std::shared_ptr<MediaPipe> pipe_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> pipeReadable_;
  std::vector<int64_t> lastMirrorKeyframeRequestUs_;
};

}  // namespace parley::media
