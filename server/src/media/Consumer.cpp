#include "media/Consumer.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "media/codecs/Vp8PayloadDescriptor.h"
#include "media/net/PacketSink.h"

namespace parley::media {

namespace {

// The outgoing packets a consumer can map back for a NACK: what its producer keeps, since a
// retransmission comes from there (an audio producer keeps a few packets, a video one up
// to a thousand).
size_t rewriteHistory(const Producer& producer) {
  size_t slots = 0;
  for (size_t i = 0; i < producer.layerCount(); ++i)
    if (const auto& buffer = producer.layer(i).buffer) slots = std::max(slots, buffer->maxSlots());
  return slots ? slots : rtp::SequenceRewriter::kHistorySize;
}

}  // namespace

Consumer::Consumer(Producer& producer, uint32_t ssrc, std::string trackId)
    : producer_(producer),
      ssrc_(ssrc),
      trackId_(std::move(trackId)),
      rewriter_(producer.track().clockRate(), rewriteHistory(producer)) {
  if (producer_.layerCount() > 0) targetLayer_ = producer_.layerCount() - 1;
}

void Consumer::setEnabled(bool enabled) {
  if (enabled && !enabled_) resync_ = true;
  enabled_ = enabled;
}

void Consumer::setAcceptedPayloadTypes(const std::vector<uint8_t>& payloadTypes) {
  accepted_.reset();
  for (uint8_t pt : payloadTypes) accepted_.set(pt & 0x7F);
}

void Consumer::setMaxTemporalLayer(uint8_t layer) {
  // Raising (everything counts as the highest): the layers let in start clean at a keyframe.
  if (layer > maxTemporalLayer_ && currentLayer_) resync_ = true;
  maxTemporalLayer_ = layer;
}

bool Consumer::dropsTemporalLayer(const rtp::RtpPacket& p) {
  if (maxTemporalLayer_ == kAllTemporalLayers ||
      producer_.codecOf(p.payloadType()) != Producer::CodecKind::Vp8)
    return false;
  auto payload = p.payload();
  auto d = codecs::Vp8PayloadDescriptor::parse(payload.data(), payload.size());
  if (!d || !d->hasTid() || d->tid() <= maxTemporalLayer_) return false;
  rewriter_.drop(p.sequenceNumber());
  ++temporalDrops_;
  // The receiver should see no hole in the picture ids either: each dropped picture shifts
  // the ones after it down by one.
  if (d->hasPictureId() && (!droppedPicture_ || d->pictureId() != lastDroppedPictureId_)) {
    droppedPicture_ = true;
    lastDroppedPictureId_ = d->pictureId();
    --pictureIdDelta_;
  }
  return true;
}

void Consumer::setSuspended(bool suspended) {
  if (!suspended && suspended_) resync_ = true;
  suspended_ = suspended;
}

bool Consumer::wantsKeyframe() const {
  // Keyframes of a codec the subscriber cannot decode would not help it.
  if (!isVideo() || !enabled_ || suspended_ || refusedCodec_) return false;
  return !currentLayer_ || resync_ || *currentLayer_ != targetLayer_;
}

std::optional<size_t> Consumer::keyframeLayer() const {
  if (!wantsKeyframe()) return std::nullopt;
  return targetLayer_;
}

size_t Consumer::prepare(const rtp::RtpPacket& in, size_t layer, bool keyframe, uint8_t* slot,
                         int64_t nowUs) {
  if (!enabled_ || suspended_) return 0;
  refusedCodec_ = !accepted_.test(in.payloadType() & 0x7F);
  if (refusedCodec_) return 0;
  if (isVideo()) {
    const bool switching = !currentLayer_ || resync_ || *currentLayer_ != targetLayer_;
    if (switching) {
      // Only a keyframe of the wanted layer starts (or moves) the stream; until then the
      // current layer, if any, keeps flowing.
      if (layer == targetLayer_ && keyframe) {
        if (currentLayer_ && *currentLayer_ != layer) ++layerSwitches_;
        rewriter_.switchSource(
            std::chrono::microseconds(lastForwardUs_ ? nowUs - lastForwardUs_ : 0));
        vp8Rebase_ = true;
        currentLayer_ = layer;
        resync_ = false;
      } else if (resync_ || !currentLayer_ || layer != *currentLayer_) {
        return 0;
      }
    } else if (layer != *currentLayer_) {
      return 0;
    }
    if (!keyframe && dropsTemporalLayer(in)) return 0;
  } else if (resync_) {
    rewriter_.switchSource(std::chrono::microseconds(lastForwardUs_ ? nowUs - lastForwardUs_ : 0));
    resync_ = false;
  }
  auto out = rewriter_.rewrite(in.sequenceNumber(), in.timestamp());
  if (!out) return 0;
  size_t size = write(in, out->sequenceNumber, out->timestamp, slot, nowUs);
  if (size) {
    ++forwarded_;
    lastForwardUs_ = nowUs;
    stats_.onPacket(out->timestamp, size, nowUs);
  }
  return size;
}

size_t Consumer::prepareRetransmission(uint16_t seq, uint8_t* slot, int64_t nowUs) {
  if (!currentLayer_) return 0;
  auto origin = rewriter_.origin(seq);
  if (!origin || origin->source != rewriter_.source()) return 0;
  auto& buffer = *producer_.layer(*currentLayer_).buffer;
  const int64_t nowMs = nowUs / 1000;
  auto stored = buffer.find(origin->sequenceNumber, nowMs);
  if (!stored || !buffer.markResent(origin->sequenceNumber, nowMs)) return 0;
  auto in = rtp::RtpPacket::parse(stored->packet.data(), stored->packet.size());
  if (!in) return 0;
  // Same source: rewriting again yields the sequence number and timestamp sent before.
  auto out = rewriter_.rewrite(in->sequenceNumber(), in->timestamp());
  if (!out || out->sequenceNumber != seq) return 0;
  size_t size = write(*in, out->sequenceNumber, out->timestamp, slot, nowUs);
  if (size) ++retransmitted_;
  return size;
}

size_t Consumer::write(const rtp::RtpPacket& in, uint16_t seq, uint32_t ts, uint8_t* slot,
                       int64_t nowUs) {
  if (in.size() + 32 > net::PacketSink::kSlotSize) return 0;
  std::memcpy(slot, in.data(), in.size());
  auto p = rtp::RtpPacket::parse(slot, in.size());
  if (!p) return 0;
  p->setSsrc(ssrc_);
  p->setSequenceNumber(seq);
  p->setTimestamp(ts);
  if (producer_.codecOf(p->payloadType()) == Producer::CodecKind::Vp8) rewriteVp8(*p, slot);
  if (uint8_t id = producer_.track().ext.absSendTime) {
    // abs-send-time is the SFU's own send time (6.18 fixed-point seconds), so the
    // subscriber's delay-based estimate measures the SFU → subscriber path.
    if (auto ext = p->mutableExtension(id); ext && ext->size() == 3) {
      // 24 bits of 6.18 seconds wrap every 64 s; reduce first so the shift cannot overflow.
      const uint32_t t = static_cast<uint32_t>(((nowUs % 64000000) << 18) / 1000000);
      (*ext)[0] = static_cast<uint8_t>(t >> 16);
      (*ext)[1] = static_cast<uint8_t>(t >> 8);
      (*ext)[2] = static_cast<uint8_t>(t);
    }
  }
  return in.size();
}

void Consumer::rewriteVp8(rtp::RtpPacket& p, uint8_t* slot) {
  uint8_t* payload = slot + p.headerSize();
  const size_t size = p.payload().size();
  auto d = codecs::Vp8PayloadDescriptor::parse(payload, size);
  if (!d || !d->hasPictureId()) return;
  const uint16_t mask = d->longPictureId() ? 0x7FFF : 0x7F;
  if (vp8Rebase_) {
    // The first packet after a switch continues right after the last picture sent.
    vp8Rebase_ = false;
    pictureIdDelta_ = vp8Started_ ? static_cast<uint16_t>(lastPictureId_ + 1 - d->pictureId()) : 0;
    tl0Delta_ =
        vp8Started_ && d->hasTl0PicIdx() ? static_cast<uint8_t>(lastTl0_ + 1 - d->tl0PicIdx()) : 0;
  }
  const uint16_t pictureId = static_cast<uint16_t>((d->pictureId() + pictureIdDelta_) & mask);
  d->writePictureId(payload, size, pictureId);
  lastPictureId_ = pictureId;
  if (d->hasTl0PicIdx()) {
    const uint8_t tl0 = static_cast<uint8_t>(d->tl0PicIdx() + tl0Delta_);
    d->writeTl0PicIdx(payload, size, tl0);
    lastTl0_ = tl0;
  }
  vp8Started_ = true;
}

}  // namespace parley::media
