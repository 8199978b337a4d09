#include "media/Publication.h"

#include <span>

#include "media/ByteOrder.h"
#include "media/RandomSsrc.h"
#include "media/Router.h"
#include "media/Worker.h"
#include "media/rtcp/Fir.h"
#include "media/rtcp/GenericNack.h"
#include "media/rtcp/Pli.h"
#include "media/rtcp/ReceiverReport.h"
#include "media/rtcp/Remb.h"
#include "media/rtcp/RtcpCompound.h"
#include "media/rtcp/SenderReport.h"

namespace parley::media {

namespace {
constexpr int64_t kNackIntervalUs = 20000;
constexpr int64_t kPipeRttMs = 10;
constexpr int64_t kFeedbackIntervalUs = 50000;
constexpr int64_t kReportIntervalUs = 1000000;
constexpr int64_t kKeyframeRequestIntervalUs = 300000;
// The cap a REMB-only publisher is told (it has no transport-cc estimate to follow).
constexpr uint64_t kRembBitrate = 3000000;

}  // namespace

Publication::Publication(Router& router, std::string streamId, std::vector<TrackDescription> tracks,
                         std::unique_ptr<WebRtcTransport> transport)
    : router_(router),
      streamId_(std::move(streamId)),
      transport_(std::move(transport)),
      localSsrc_(randomSsrc()) {
  transport_->setListener(*this);
  for (auto& t : tracks) {
    if (t.transportCc && t.ext.transportCc) transportCcId_ = t.ext.transportCc;
    producers_.push_back(std::make_unique<Producer>(std::move(t)));
  }
}

Publication::Publication(Router& router, std::string streamId, std::vector<TrackDescription> tracks,
                         std::shared_ptr<MediaPipe> pipe)
    : router_(router),
      streamId_(std::move(streamId)),
      localSsrc_(randomSsrc()),
      announced_(true),
      pipe_(std::move(pipe)) {
  for (auto& t : tracks) producers_.push_back(std::make_unique<Producer>(std::move(t)));
  for (auto& p : producers_) {
    if (p->isVideo()) lastMirrorKeyframeRequestUs_.assign(p->layerCount(), 0);
  }
  pipeReadable_ = std::make_unique<boost::asio::posix::stream_descriptor>(router_.worker().io(),
                                                                          pipe_->eventFd());
  waitForPipe();
}

Publication::~Publication() {
  if (pipeReadable_) {
    boost::system::error_code ignored;
    pipeReadable_->cancel(ignored);
    pipeReadable_->release();  // the pipe owns the descriptor
  }
}

void Publication::waitForPipe() {
  pipeReadable_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [this](const boost::system::error_code& ec) {
                              // Cancelled: this publication is gone; touch nothing.
                              if (ec) return;
                              drainPipe();
                              waitForPipe();
                            });
}

void Publication::drainPipe() {
  // Cleared before reading, so a packet pushed meanwhile wakes this worker again.
  pipe_->clearSignal();
  record::PacketRing& ring = pipe_->ring();
  const int64_t nowUs = Worker::steadyNowUs();
  // At most one ring's worth per wake-up: an origin that keeps pushing cannot hold this
  // worker here. What it pushed meanwhile signalled again, so the rest comes next turn.
  size_t budget = MediaPipe::kCapacity;
  const bool lossy = static_cast<bool>(pipe_->requestRetransmission);
  while (budget-- > 0) {
    const record::PacketRing::Packet* in = ring.front();
    if (!in) break;
    if (in->senderReport) {
      // As the origin had it from the publisher: its sinks here get it as they would there.
      auto sr = record::PacketRing::senderReportOf(*in);
      Producer* producer = in->track < producers_.size() ? producers_[in->track].get() : nullptr;
      if (sr && producer && in->layer < producer->layerCount()) {
        producer->layer(in->layer).stats->onSenderReport(sr->ntpTimestamp, nowUs);
        router_.routeSenderReport(
            *this, MediaSink::SenderReport{in->track, in->layer, sr->ntpTimestamp, sr->rtpTimestamp,
                                           nowUs});
      }
    } else if (in->track < producers_.size()) {
      if (auto rtp = rtp::RtpPacket::parse(in->bytes.data(), in->size)) {
        Producer& producer = *producers_[in->track];
        if (producer.acceptPiped(*rtp, in->layer, in->keyframe, nowUs, lossy))
          router_.route(
              *this, MediaSink::Packet{producer, in->track, in->layer, in->keyframe, *rtp, nowUs});
      }
    }
    ring.pop();
  }
  router_.worker().socket().flush();
}

Producer* Publication::producer(sdp::MediaKind kind) {
  for (auto& p : producers_)
    if (p->track().kind == kind) return p.get();
  return nullptr;
}

void Publication::setPaused(sdp::MediaKind kind, bool paused) {
  if (Producer* p = producer(kind)) p->setPaused(paused);
}

void Publication::requestKeyFrame(size_t layer, int64_t nowUs) {
  if (pipe_) {
    // The origin throttles too; this spares it one request per subscriber of the mirror.
    if (layer >= lastMirrorKeyframeRequestUs_.size()) return;
    int64_t& last = lastMirrorKeyframeRequestUs_[layer];
    if (last && nowUs - last < kKeyframeRequestIntervalUs) return;
    last = nowUs;
    if (pipe_->requestKeyframe) pipe_->requestKeyframe(layer);
    return;
  }
  Producer* video = producer(sdp::MediaKind::Video);
  if (!video || layer >= video->layerCount() || !transport_->connected()) return;
  auto& l = video->layer(layer);
  if (l.ssrc == 0 ||
      (l.lastKeyframeRequestUs && nowUs - l.lastKeyframeRequestUs < kKeyframeRequestIntervalUs))
    return;
  l.lastKeyframeRequestUs = nowUs;
  uint8_t* slot = transport_->reserve();
  size_t n = 0;
  if (video->track().pli || !video->track().fir)
    n = rtcp::Pli::build(slot, net::PacketSink::kSlotSize, localSsrc_, l.ssrc);
  else
    n = rtcp::Fir::build(slot, net::PacketSink::kSlotSize, localSsrc_,
                         rtcp::Fir::Entry{l.ssrc, firSequence_++});
  if (n && transport_->sendRtcp(slot, n)) {
    ++keyframeRequests_;
    router_.counters().keyframeRequests.add();
  }
}

void Publication::onTransportConnected(WebRtcTransport&) {
  if (announced_) return;
  announced_ = true;
  router_.publicationConnected(*this);
}

void Publication::onTransportClosed(WebRtcTransport&, std::string_view reason) {
  closed_ = true;
  closeReason_ = std::string(reason);
}

void Publication::onRtp(WebRtcTransport&, rtp::RtpPacket& packet, int64_t nowUs) {
  if (router_.dropForTest()) return;  // test-only loss (off unless --rtc-test-loss)
  if (transportCcId_) {
    if (auto ext = packet.extension(transportCcId_); ext && ext->size() == 2)
      transportCc_.onPacket(ByteOrder::read16(ext->data()), nowUs);
  }
  uint8_t* data = packet.mutableData();
  if (!data) return;
  const uint32_t ssrc = packet.ssrc();
  size_t track = producers_.size();
  for (size_t i = 0; i < producers_.size(); ++i)
    if (producers_[i]->ownsSsrc(ssrc)) track = i;
  std::optional<Producer::Received> received;
  if (track < producers_.size()) {
    received = producers_[track]->receive(packet, data, nowUs);
  } else {
    // RID simulcast: an SSRC not seen yet binds to the layer its rid names.
    for (size_t i = 0; i < producers_.size(); ++i) {
      if (!producers_[i]->isVideo()) continue;
      received = producers_[i]->receive(packet, data, nowUs);
      if (producers_[i]->ownsSsrc(ssrc)) track = i;
      break;
    }
  }
  router_.counters().rtpReceived.add();
  if (!received || track == producers_.size()) return;
  router_.route(*this, MediaSink::Packet{*producers_[track], track, received->layer,
                                         received->keyframe, packet, nowUs});
}

void Publication::onRtcp(WebRtcTransport&, const uint8_t* data, size_t size, int64_t nowUs) {
  rtcp::RtcpCompound compound(data, size);
  while (auto p = compound.next()) {
    if (p->header.packetType() != 200) continue;
    auto sr = rtcp::SenderReport::parse(p->data, p->size);
    if (!sr) continue;
    const auto info = sr->info();
    for (size_t t = 0; t < producers_.size(); ++t) {
      Producer& producer = *producers_[t];
      for (size_t i = 0; i < producer.layerCount(); ++i) {
        if (producer.layer(i).ssrc != info.ssrc) continue;
        producer.layer(i).stats->onSenderReport(info.ntpTimestamp, nowUs);
        router_.routeSenderReport(
            *this, MediaSink::SenderReport{t, i, info.ntpTimestamp, info.rtpTimestamp, nowUs});
      }
    }
  }
}

void Publication::tick(int64_t nowUs) {
  if (pipe_ && pipe_->requestRetransmission && nowUs - lastNackUs_ >= kNackIntervalUs) {
    lastNackUs_ = nowUs;
    askPipeAgain(nowUs);
  }
  if (!transport_) return;
  transport_->tick(nowUs / 1000);
  if (!transport_->connected()) return;
  if (nowUs - lastNackUs_ >= kNackIntervalUs) {
    lastNackUs_ = nowUs;
    sendNacks(nowUs);
  }
  if (transportCcId_ && nowUs - lastFeedbackUs_ >= kFeedbackIntervalUs) {
    lastFeedbackUs_ = nowUs;
    sendTransportFeedback();
  }
  if (nowUs - lastReportUs_ >= kReportIntervalUs) {
    lastReportUs_ = nowUs;
    sendReports(nowUs);
  }
}

void Publication::askPipeAgain(int64_t nowUs) {
  uint16_t lost[64];
  for (size_t t = 0; t < producers_.size(); ++t) {
    Producer& producer = *producers_[t];
    for (size_t i = 0; i < producer.layerCount(); ++i) {
      auto& layer = producer.layer(i);
      if (producer.track().nack) {
        // The round trip between nodes is short; the generator spaces its retries by it.
        const size_t n = layer.nack->collect(nowUs / 1000, kPipeRttMs, lost, 64);
        if (n) {
          pipe_->requestRetransmission(t, i, std::span<const uint16_t>(lost, n));
          nacksSent_ += n;
          router_.counters().nacksSent.add(n);
        }
      }
      if (layer.nack->keyFrameNeeded()) {
        layer.nack->clearKeyFrameRequest();
        if (producer.isVideo()) requestKeyFrame(i, nowUs);
      }
    }
  }
}

void Publication::sendNacks(int64_t nowUs) {
  uint16_t lost[64];
  for (auto& producer : producers_) {
    for (size_t i = 0; i < producer->layerCount(); ++i) {
      auto& layer = producer->layer(i);
      if (layer.ssrc == 0) continue;
      if (producer->track().nack) {
        size_t n = layer.nack->collect(nowUs / 1000, rttMs_, lost, 64);
        if (n) {
          uint8_t* slot = transport_->reserve();
          size_t size = rtcp::GenericNack::build(slot, net::PacketSink::kSlotSize, localSsrc_,
                                                 layer.ssrc, lost, n);
          if (size && transport_->sendRtcp(slot, size)) {
            nacksSent_ += n;
            router_.counters().nacksSent.add(n);
          }
        }
      }
      if (layer.nack->keyFrameNeeded()) {
        layer.nack->clearKeyFrameRequest();
        if (producer->isVideo()) requestKeyFrame(i, nowUs);
      }
    }
  }
}

void Publication::sendTransportFeedback() {
  Producer* media = producers_.empty() ? nullptr : producers_.front().get();
  uint32_t mediaSsrc = media && media->layerCount() ? media->layer(0).ssrc : 0;
  for (int i = 0; i < 8; ++i) {
    uint8_t* slot = transport_->reserve();
    size_t n = transportCc_.buildFeedback(slot, net::PacketSink::kSlotSize, localSsrc_, mediaSsrc);
    if (n == 0) break;
    if (transport_->sendRtcp(slot, n)) ++feedbackSent_;
  }
}

void Publication::sendReports(int64_t nowUs) {
  constexpr size_t kMaxBlocks = 8;  // audio + three video layers fit with room to spare
  rtcp::ReportBlock blocks[kMaxBlocks];
  uint32_t videoSsrcs[kMaxBlocks];
  size_t count = 0;
  size_t videoCount = 0;
  bool remb = false;
  for (auto& producer : producers_) {
    if (producer->track().remb && !producer->track().transportCc) remb = true;
    for (size_t i = 0; i < producer->layerCount() && count < kMaxBlocks; ++i) {
      auto& layer = producer->layer(i);
      if (layer.ssrc == 0 || layer.stats->packets() == 0) continue;
      blocks[count++] = layer.stats->reportBlock(nowUs);
      if (producer->isVideo()) videoSsrcs[videoCount++] = layer.ssrc;
    }
  }
  // Room is left for the SRTCP trailer that sendRtcp() adds in place.
  constexpr size_t kCapacity = net::PacketSink::kSlotSize - srtp::SrtpSession::kMaxTrailer;
  uint8_t* slot = transport_->reserve();
  size_t size = rtcp::ReceiverReport::build(slot, kCapacity, localSsrc_,
                                            std::span<const rtcp::ReportBlock>(blocks, count));
  if (remb && videoCount && size) {
    size += rtcp::Remb::build(slot + size, kCapacity - size, localSsrc_, kRembBitrate,
                              std::span<const uint32_t>(videoSsrcs, videoCount));
  }
  if (size) transport_->sendRtcp(slot, size);
}

}  // namespace parley::media
