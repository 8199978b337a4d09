#include "media/Producer.h"

#include <cstring>

#include "media/ByteOrder.h"
#include "media/codecs/H264Payload.h"
#include "media/codecs/Vp8PayloadDescriptor.h"
#include "media/codecs/Vp9PayloadDescriptor.h"

namespace parley::media {

namespace {
// Retransmission history per layer. Video: up to about 1 s at 10 Mbit/s (the buffer grows
// to what its own rate needs, rtp/RetransmissionBuffer.h); audio is not retransmitted
// (Opus FEC covers it) and keeps a few packets.
constexpr size_t kVideoHistoryMax = 1024;
constexpr size_t kVideoHistoryFirst = 64;
constexpr size_t kAudioHistory = 16;
constexpr size_t kMaxPacketSize = 1500;
}  // namespace

Producer::Producer(TrackDescription track) : track_(std::move(track)) {
  codecByPayloadType_.fill(CodecKind::Other);
  for (const auto& c : track_.codecs) {
    CodecKind kind = CodecKind::Other;
    if (sdp::sameName(c.name, "opus"))
      kind = CodecKind::Opus;
    else if (sdp::sameName(c.name, "VP8"))
      kind = CodecKind::Vp8;
    else if (sdp::sameName(c.name, "VP9"))
      kind = CodecKind::Vp9;
    else if (sdp::sameName(c.name, "H264"))
      kind = CodecKind::H264;
    else if (sdp::sameName(c.name, "AV1"))
      kind = CodecKind::Av1;
    codecByPayloadType_[c.payloadType & 0x7F] = kind;
  }
  if (track_.layers.empty()) track_.layers.push_back({});
  for (const auto& l : track_.layers) {
    Layer layer;
    layer.ssrc = l.ssrc;
    layer.rtxSsrc = l.rtxSsrc;
    layer.rid = l.rid;
    layer.stats = std::make_unique<rtp::ReceiveStatistics>(l.ssrc, track_.clockRate());
    layer.nack = std::make_unique<rtp::NackGenerator>();
    layer.buffer = track_.isVideo() ? std::make_unique<rtp::RetransmissionBuffer>(
                                          kVideoHistoryMax, kMaxPacketSize, kVideoHistoryFirst)
                                    : std::make_unique<rtp::RetransmissionBuffer>(kAudioHistory);
    layers_.push_back(std::move(layer));
  }
}

const std::string& Producer::sendingCodec() const {
  static const std::string none;
  for (const auto& c : track_.codecs)
    if (c.payloadType == lastPayloadType_) return c.name;
  return track_.codecs.empty() ? none : track_.codecs.front().name;
}

bool Producer::ownsSsrc(uint32_t ssrc) const {
  for (const auto& l : layers_)
    if (l.ssrc == ssrc || (l.rtxSsrc && l.rtxSsrc == ssrc)) return true;
  return false;
}

std::optional<size_t> Producer::findLayer(const rtp::RtpPacket& packet, bool& isRtx) {
  const uint32_t ssrc = packet.ssrc();
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i].ssrc == ssrc) return i;
    if (layers_[i].rtxSsrc && layers_[i].rtxSsrc == ssrc) {
      isRtx = true;
      return i;
    }
  }
  // RID simulcast: SSRCs are learnt from the rid / repaired-rid header extensions.
  auto bind = [&](uint8_t id, bool rtx) -> std::optional<size_t> {
    if (!id) return std::nullopt;
    auto value = packet.extension(id);
    if (!value || value->empty()) return std::nullopt;
    std::string_view rid(reinterpret_cast<const char*>(value->data()), value->size());
    for (size_t i = 0; i < layers_.size(); ++i) {
      if (layers_[i].rid != rid) continue;
      uint32_t& slot = rtx ? layers_[i].rtxSsrc : layers_[i].ssrc;
      if (slot != 0) return std::nullopt;
      slot = ssrc;
      // Once per layer, when its SSRC becomes known: reports must name it.
      if (!rtx)
        layers_[i].stats = std::make_unique<rtp::ReceiveStatistics>(ssrc, track_.clockRate());
      isRtx = rtx;
      return i;
    }
    return std::nullopt;
  };
  if (auto i = bind(track_.ext.rid, false)) return i;
  if (auto i = bind(track_.ext.repairedRid, true)) return i;
  return std::nullopt;
}

bool Producer::detectKeyframe(const rtp::RtpPacket& packet) const {
  auto payload = packet.payload();
  if (payload.empty()) return false;
  switch (codecOf(packet.payloadType())) {
    case CodecKind::Vp8: {
      auto d = codecs::Vp8PayloadDescriptor::parse(payload.data(), payload.size());
      return d && d->isKeyframe();
    }
    case CodecKind::Vp9: {
      auto d = codecs::Vp9PayloadDescriptor::parse(payload.data(), payload.size());
      return d && d->isKeyframe();
    }
    case CodecKind::H264: {
      auto d = codecs::H264Payload::parse(payload.data(), payload.size());
      return d && d->isKeyframe();
    }
    case CodecKind::Av1:
      return (payload[0] & 0x08) != 0;  // aggregation header N: a new coded video sequence
    default:
      return false;
  }
}

void Producer::readAudioLevel(const rtp::RtpPacket& packet, int64_t nowUs) {
  auto ext = packet.extension(track_.ext.audioLevel);
  if (!ext || ext->empty()) return;
  const uint8_t level = (*ext)[0] & 0x7F;
  // Keep the loudest level of a short window: one quiet packet does not end speech.
  if (nowUs - audioLevelUs_ >= 300000 || level < audioLevel_) audioLevel_ = level;
  audioLevelUs_ = nowUs;
  if ((*ext)[0] & 0x80) voiceUs_ = nowUs;
}

bool Producer::acceptPiped(const rtp::RtpPacket& packet, size_t index, bool keyframe, int64_t nowUs,
                           bool lossy) {
  if (index >= layers_.size()) return false;
  Layer& layer = layers_[index];
  if (lossy) {
    const int64_t nowMs = nowUs / 1000;
    if (layer.buffer->find(packet.sequenceNumber(), nowMs)) {
      ++duplicates_;
      return false;
    }
    layer.nack->onPacket(packet.sequenceNumber(), nowMs);
  }
  layer.buffer->store(packet.data(), packet.size(), nowUs / 1000);
  layer.stats->onPacket(packet.sequenceNumber(), packet.timestamp(), packet.size(), nowUs);
  layer.lastPacketUs = nowUs;
  // Learnt as the origin learnt it (a publisher placed anew on another node needs it).
  if (layer.ssrc == 0) layer.ssrc = packet.ssrc();
  if (!packet.payload().empty()) lastPayloadType_ = packet.payloadType();
  if (!isVideo() && track_.ext.audioLevel) readAudioLevel(packet, nowUs);
  if (keyframe) {
    layer.lastKeyframeUs = nowUs;
    ++layer.keyframes;
  }
  return true;
}

std::optional<Producer::Received> Producer::receive(rtp::RtpPacket& packet, uint8_t* data,
                                                    int64_t nowUs) {
  bool isRtx = false;
  auto index = findLayer(packet, isRtx);
  if (!index) return std::nullopt;
  Layer& layer = layers_[*index];
  const int64_t nowMs = nowUs / 1000;
  if (isRtx) {
    // RFC 4588: the original sequence number leads the payload. Padding-only RTX packets
    // are the browser's bandwidth probes: counted by transport-cc, never forwarded.
    auto rtxPayload = packet.payload();
    if (rtxPayload.size() < 2) return std::nullopt;
    auto apt = track_.rtxPayloads.find(packet.payloadType());
    if (apt == track_.rtxPayloads.end()) return std::nullopt;
    const uint16_t osn = ByteOrder::read16(rtxPayload.data());
    const size_t header = packet.headerSize();
    const size_t size = packet.size();
    std::memmove(data + header, data + header + 2, size - header - 2);
    auto restored = rtp::RtpPacket::parse(data, size - 2);
    if (!restored) return std::nullopt;
    packet = *restored;
    packet.setSequenceNumber(osn);
    packet.setSsrc(layer.ssrc);
    packet.setPayloadType(apt->second);
    ++layer.retransmissionsReceived;
  }
  // Padding on the media SSRC (probes without RTX) is forwarded like media: dropping it
  // would leave gaps the subscriber NACKs and the publisher cannot fill.
  const uint16_t seq = packet.sequenceNumber();
  if (layer.buffer->find(seq, nowMs)) {
    ++duplicates_;
    return std::nullopt;
  }
  layer.nack->onPacket(seq, nowMs);
  layer.stats->onPacket(seq, packet.timestamp(), packet.size(), nowUs);
  layer.buffer->store(packet.data(), packet.size(), nowMs);
  layer.lastPacketUs = nowUs;
  if (!packet.payload().empty()) lastPayloadType_ = packet.payloadType();
  if (!isVideo() && track_.ext.audioLevel) readAudioLevel(packet, nowUs);
  Received r;
  r.layer = *index;
  r.keyframe = isVideo() && detectKeyframe(packet);
  if (r.keyframe) {
    layer.lastKeyframeUs = nowUs;
    ++layer.keyframes;
  }
  if (paused_) return std::nullopt;
  return r;
}

}  // namespace parley::media
