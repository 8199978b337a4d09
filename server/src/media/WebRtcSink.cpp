#include "media/WebRtcSink.h"

#include "media/Router.h"
#include "media/net/PacketSink.h"
#include "media/rtp/RtpPadding.h"
#include "media/srtp/SrtpSession.h"

namespace parley::media {

WebRtcSink::WebRtcSink(Router& router, Publication& source, WebRtcTransport& transport,
                       std::vector<std::unique_ptr<Consumer>> consumers)
    : router_(router), source_(&source), transport_(transport), consumers_(std::move(consumers)) {}

Consumer* WebRtcSink::consumer(sdp::MediaKind kind) {
  for (auto& c : consumers_)
    if (c->producer().track().kind == kind) return c.get();
  return nullptr;
}

Consumer* WebRtcSink::consumerBySsrc(uint32_t ssrc) {
  for (auto& c : consumers_)
    if (c->ssrc() == ssrc) return c.get();
  return nullptr;
}

void WebRtcSink::onPacket(const Packet& packet) {
  if (!active_) return;
  for (auto& c : consumers_) {
    if (&c->producer() != &packet.producer) continue;
    uint8_t* slot = transport_.reserve();
    size_t size = c->prepare(packet.rtp, packet.layer, packet.keyframe, slot, packet.arrivalUs);
    if (size == 0) {
      // A consumer that drops packets for want of a keyframe asks for one now (the
      // publication throttles), not at its subscription's next tick, which in a large
      // session comes every 100 ms.
      if (auto layer = c->keyframeLayer(); layer && source_)
        source_->requestKeyFrame(*layer, packet.arrivalUs);
      continue;
    }
    if (router_.videoAlignment() && c->isVideo())
      size = rtp::RtpPadding::alignTo(slot, size,
                                      net::PacketSink::kSlotSize - srtp::SrtpSession::kMaxTrailer,
                                      router_.videoAlignment());
    if (router_.dropForTest()) continue;  // test-only loss towards the subscriber
    if (transport_.sendRtp(slot, size)) ++router_.counters().rtpForwardedUnreported;
  }
}

void WebRtcSink::prefetch(int stage) const {
  if (stage == 0) __builtin_prefetch(consumers_.data());
  if (stage > 0)
    for (const auto& c : consumers_) c->prefetch();
  transport_.prefetchSend(stage);
}

void WebRtcSink::onSourceGone() {
  source_ = nullptr;
  consumers_.clear();
}

}  // namespace parley::media
