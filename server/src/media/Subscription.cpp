#include "media/Subscription.h"

#include <algorithm>
#include <chrono>

#include "core/Crypto.h"
#include "media/ByteOrder.h"
#include "media/Publication.h"
#include "media/RandomSsrc.h"
#include "media/Router.h"
#include "media/rtcp/Fir.h"
#include "media/rtcp/GenericNack.h"
#include "media/rtcp/Pli.h"
#include "media/rtcp/ReceiverReport.h"
#include "media/rtcp/Remb.h"
#include "media/rtcp/RtcpCompound.h"
#include "media/rtcp/SenderReport.h"

namespace parley::media {

namespace {
constexpr int64_t kReportIntervalUs = 1000000;
constexpr int64_t kSelectIntervalUs = 500000;
// Simulcast step up (Subscription::selectLayer).
constexpr int64_t kStepUpGraceUs = 4000000;
constexpr int64_t kMinStepUpBackoffUs = 4000000;
constexpr int64_t kMaxStepUpBackoffUs = 60000000;

uint64_t ntpNow() {
  using namespace std::chrono;
  const auto since = system_clock::now().time_since_epoch();
  const uint64_t us = static_cast<uint64_t>(duration_cast<microseconds>(since).count());
  const uint64_t seconds = us / 1000000 + 2208988800ull;  // 1900 → 1970
  const uint64_t fraction = ((us % 1000000) << 32) / 1000000;
  return seconds << 32 | fraction;
}
}  // namespace

Subscription::Subscription(Router& router, std::string subscriberId, Publication& publication,
                           std::unique_ptr<WebRtcTransport> transport,
                           std::vector<std::unique_ptr<Consumer>> consumers)
    : router_(router),
      subscriberId_(std::move(subscriberId)),
      transport_(std::move(transport)),
      sink_(router, publication, *transport_, std::move(consumers)) {
  transport_->setListener(*this);
  // Subscribers are many; each one's leaving reaches the SFU through signaling.
  transport_->freeDtlsOnceUp();
  localSsrc_ = randomSsrc();
}

Subscription::~Subscription() = default;

void Subscription::setEnabled(sdp::MediaKind kind, bool enabled) {
  if (Consumer* c = consumer(kind)) c->setEnabled(enabled);
}

void Subscription::setFrameRate(double preferredFps, bool restricted) {
  Consumer* video = consumer(sdp::MediaKind::Video);
  if (!video) return;
  uint8_t layer = Consumer::kAllTemporalLayers;
  if (restricted || (preferredFps > 0 && preferredFps <= 8))
    layer = 0;
  else if (preferredFps > 0 && preferredFps <= 16)
    layer = 1;
  video->setMaxTemporalLayer(layer);
}

void Subscription::setVideoFallback(bool allowed) {
  fallbackAllowed_ = allowed;
  if (!allowed && fallback_.suspended()) {
    fallback_ = VideoFallback();
    applyFallback(false);
  }
}

void Subscription::applyFallback(bool suspend) {
  if (Consumer* video = consumer(sdp::MediaKind::Video)) video->setSuspended(suspend);
  router_.subscriptionVideoSuspended(*this, suspend);
}

void Subscription::updateFallback(int64_t nowUs) {
  Consumer* video = consumer(sdp::MediaKind::Video);
  // What the subscriber turned off itself is not the SFU's to judge.
  if (!video || !fallbackAllowed_ || !video->enabled()) return;
  const Producer& producer = video->producer();
  std::optional<size_t> lowest;
  for (size_t i = 0; i < producer.layerCount() && !lowest; ++i)
    if (producer.layerLive(i, nowUs)) lowest = i;
  if (!lowest) return;  // nothing flows: nothing to judge
  VideoFallback::Input in;
  in.estimateBps = estimateBps_;
  in.lowestLayerBps = producer.layer(*lowest).stats->bitrateBps(nowUs);
  in.onLowestLayer = video->targetLayer() <= *lowest;
  // Only a report about video sent since the last change, and a recent one.
  const auto reportUs = video->stats().lastReportUs();
  if (reportUs && *reportUs > fallback_.changedUs() && nowUs - *reportUs < 2000000)
    in.fractionLost = video->stats().fractionLost();
  switch (fallback_.update(in, nowUs)) {
    case VideoFallback::Change::Suspend:
      applyFallback(true);
      break;
    case VideoFallback::Change::Resume:
      applyFallback(false);
      break;
    case VideoFallback::Change::None:
      break;
  }
}

void Subscription::setPreferredSize(uint32_t width, uint32_t height, uint32_t fullWidth) {
  (void)height;
  maxLayerForSize_ = 2;
  if (width == 0 || fullWidth == 0) return;
  // Layers are ¼, ½ and full size: the smallest one at least as wide as asked for.
  if (width * 4 <= fullWidth)
    maxLayerForSize_ = 0;
  else if (width * 2 <= fullWidth)
    maxLayerForSize_ = 1;
}

void Subscription::onTransportConnected(WebRtcTransport&) {
  connected_ = true;
  sink_.setActive(!closed_);
  router_.subscriptionConnected(*this);
  // A picture as soon as possible: ask the publisher for a keyframe now.
  const int64_t now = router_.nowUs();
  for (auto& c : sink_.consumers())
    if (auto layer = c->keyframeLayer(); layer && publication())
      publication()->requestKeyFrame(*layer, now);
}

void Subscription::onTransportClosed(WebRtcTransport&, std::string_view reason) {
  closed_ = true;
  sink_.setActive(false);
  closeReason_ = std::string(reason);
}

void Subscription::onRtp(WebRtcTransport&, rtp::RtpPacket&, int64_t) {
  // Subscribers' m-lines are recvonly: whatever RTP comes is ignored.
}

void Subscription::onRtcp(WebRtcTransport&, const uint8_t* data, size_t size, int64_t nowUs) {
  rtcp::RtcpCompound compound(data, size);
  uint16_t lost[128];
  while (auto p = compound.next()) {
    const uint8_t type = p->header.packetType();
    const uint8_t fmt = p->header.count();
    if (type == 201 || type == 200) {
      auto handle = [&](const rtcp::ReportBlock& b) {
        if (Consumer* c = sink_.consumerBySsrc(b.ssrc))
          c->stats().onReceiverReport(b, nowUs, static_cast<uint32_t>(ntpNow() >> 16));
      };
      if (type == 201) {
        if (auto rr = rtcp::ReceiverReport::parse(p->data, p->size))
          for (size_t i = 0; i < rr->reportCount(); ++i) handle(rr->reportBlock(i));
      } else if (auto sr = rtcp::SenderReport::parse(p->data, p->size)) {
        for (size_t i = 0; i < sr->reportCount(); ++i) handle(sr->reportBlock(i));
      }
    } else if (type == 205 && fmt == rtcp::GenericNack::kFmt) {
      auto nack = rtcp::GenericNack::parse(p->data, p->size);
      if (!nack) continue;
      Consumer* c = sink_.consumerBySsrc(nack->mediaSsrc());
      if (!c) continue;
      size_t n = nack->lostSequenceNumbers(lost, 128);
      nacksReceived_ += n;
      router_.counters().nacksReceived.add(n);
      for (size_t i = 0; i < n; ++i) {
        uint8_t* slot = transport_->reserve();
        size_t len = c->prepareRetransmission(lost[i], slot, nowUs);
        if (len && transport_->sendRtp(slot, len)) router_.counters().retransmissions.add();
      }
    } else if (type == 206 && (fmt == rtcp::Pli::kFmt || fmt == rtcp::Fir::kFmt)) {
      uint32_t media = 0;
      if (fmt == rtcp::Pli::kFmt) {
        auto pli = rtcp::Pli::parse(p->data, p->size);
        if (!pli) continue;
        media = pli->mediaSsrc();
      } else {
        auto fir = rtcp::Fir::parse(p->data, p->size);
        if (!fir || fir->entryCount() == 0) continue;
        media = fir->entry(0).ssrc;
      }
      Consumer* c = sink_.consumerBySsrc(media);
      if (!c || !c->isVideo() || !publication()) continue;
      ++pliReceived_;
      publication()->requestKeyFrame(c->currentLayer().value_or(c->targetLayer()), nowUs);
    } else if (type == 206 && fmt == rtcp::Remb::kFmt) {
      if (auto remb = rtcp::Remb::parse(p->data, p->size)) estimateBps_ = remb->bitrate();
    }
  }
}

void Subscription::selectLayer(int64_t nowUs) {
  Consumer* video = consumer(sdp::MediaKind::Video);
  if (!video) return;
  const Producer& producer = video->producer();
  const size_t count = producer.layerCount();
  if (count <= 1) return;
  auto rate = [&](size_t i) { return producer.layer(i).stats->bitrateBps(nowUs); };
  // The highest live layer that fits the subscriber's estimate (and its preferred size);
  // the lowest live one when none fits, so a subscriber whose layer stops flowing gets the
  // nearest one that does rather than a frozen picture.
  std::optional<size_t> best;
  std::optional<size_t> lowestLive;
  for (size_t i = 0; i < count; ++i) {
    if (!producer.layerLive(i, nowUs)) continue;
    if (!lowestLive) lowestLive = i;
    if (i > maxLayerForSize_) continue;
    if (estimateBps_ == 0 || rate(i) <= estimateBps_) best = i;
  }
  if (!best) best = lowestLive;
  if (!best) return;  // nothing flows: keep the target for when it comes back
  const size_t current = video->targetLayer();
  const bool currentUsable = producer.layerLive(current, nowUs) && current <= maxLayerForSize_;
  if (estimateBps_ != 0 && currentUsable) {
    if (*best < current) {
      // Hysteresis: stay while the current layer is within 25% of the estimate, so normal
      // fluctuations of either figure do not flap between layers. Right after a step up the
      // estimate is still catching up: only a falling one (an overuse cuts it by 15%) ends it.
      if (rate(current) * 4 <= estimateBps_ * 5 ||
          (nowUs < graceUntilUs_ && estimateBps_ * 20 > graceEstimate_ * 17))
        best = current;
    } else if (*best == current && nowUs >= nextStepUpUs_ &&
               estimateBps_ * 10 >= rate(current) * 13) {
      // A receiver's REMB grows to at most about 1.5 times what it receives, so a layer well
      // above the current one never "fits" it. An estimate that clearly exceeds the current
      // rate means the subscriber keeps up: step up to the next live layer and see.
      for (size_t i = current + 1; i < count && i <= maxLayerForSize_; ++i) {
        if (!producer.layerLive(i, nowUs)) continue;
        best = i;
        lastStepUpUs_ = nowUs;
        graceUntilUs_ = nowUs + kStepUpGraceUs;
        graceEstimate_ = estimateBps_;
        break;
      }
    }
  }
  if (*best == current) return;
  if (*best < current) {
    // Down: wait before stepping up again, longer each time a step up did not hold.
    const bool stepUpFailed = lastStepUpUs_ != 0 && nowUs - lastStepUpUs_ < 2 * kStepUpGraceUs;
    stepUpBackoffUs_ = stepUpFailed ? std::min(std::max(stepUpBackoffUs_ * 2, kMinStepUpBackoffUs),
                                               kMaxStepUpBackoffUs)
                                    : kMinStepUpBackoffUs;
    nextStepUpUs_ = nowUs + stepUpBackoffUs_;
    graceUntilUs_ = 0;
  }
  video->setTargetLayer(*best);
  if (publication()) publication()->requestKeyFrame(*best, nowUs);
}

void Subscription::sendSenderReports(int64_t nowUs) {
  const uint64_t ntp = ntpNow();
  for (auto& c : sink_.consumers()) {
    if (c->forwarded() == 0) continue;
    uint8_t* slot = transport_->reserve();
    auto info = c->stats().senderInfo(ntp, nowUs, c->producer().track().clockRate());
    info.ssrc = c->ssrc();
    size_t size = rtcp::SenderReport::build(slot, net::PacketSink::kSlotSize, info, {});
    if (size) transport_->sendRtcp(slot, size);
  }
}

void Subscription::tick(int64_t nowUs) {
  transport_->tick(nowUs / 1000);
  if (!connected_ || closed_ || !publication()) return;
  for (auto& c : sink_.consumers())
    if (auto layer = c->keyframeLayer()) publication()->requestKeyFrame(*layer, nowUs);
  if (nowUs - lastSelectUs_ >= kSelectIntervalUs) {
    lastSelectUs_ = nowUs;
    selectLayer(nowUs);
    updateFallback(nowUs);
  }
  if (nowUs - lastReportUs_ >= kReportIntervalUs) {
    lastReportUs_ = nowUs;
    sendSenderReports(nowUs);
  }
}

}  // namespace parley::media
