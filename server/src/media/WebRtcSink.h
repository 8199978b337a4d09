#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "media/Consumer.h"
#include "media/MediaSink.h"
#include "media/WebRtcTransport.h"

namespace parley::media {

class Publication;
class Router;

// The WebRTC consumer of one publication: one Consumer (rewriter) per track, writing what
// they forward SRTP-protected into one subscriber's transport. Subscription owns it and
// switches it on once the subscriber's transport is up.
class WebRtcSink final : public MediaSink {
 public:
  WebRtcSink(Router& router, Publication& source, WebRtcTransport& transport,
             std::vector<std::unique_ptr<Consumer>> consumers);

  // Null once the publication is gone; the consumers went with it.
  Publication* source() { return source_; }
  const std::vector<std::unique_ptr<Consumer>>& consumers() const { return consumers_; }
  Consumer* consumer(sdp::MediaKind kind);
  Consumer* consumerBySsrc(uint32_t ssrc);
  // Packets are dropped until the subscriber's transport is connected, and after it closed.
  void setActive(bool active) { active_ = active; }

  // MediaSink
  void onPacket(const Packet& packet) override;
  void prefetch(int stage) const override;
  void onSourceGone() override;

 private:
  Router& router_;
  Publication* source_;
  WebRtcTransport& transport_;
  std::vector<std::unique_ptr<Consumer>> consumers_;
  bool active_ = false;
};

}  // namespace parley::media
