#include "media/NodePipeCodec.h"

#include <cstring>

#include "core/Crypto.h"
#include "media/rtcp/GenericNack.h"

namespace parley::media {

namespace {

constexpr size_t kFixedRtpHeader = 12;
constexpr size_t kCsrcSize = 4;
constexpr size_t kGcmTag = 16;

uint32_t readU32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void writeU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace

std::unique_ptr<NodePipeCodec> NodePipeCodec::create(Direction direction, uint32_t pipeId,
                                                     const Key& key) {
  auto srtp = srtp::SrtpSession::create(srtp::SrtpProfile::AeadAes128Gcm,
                                        direction == Direction::Send
                                            ? srtp::SrtpSession::Direction::Outbound
                                            : srtp::SrtpSession::Direction::Inbound,
                                        key);
  if (!srtp) return nullptr;
  return std::unique_ptr<NodePipeCodec>(new NodePipeCodec(direction, pipeId, std::move(srtp)));
}

NodePipeCodec::Key NodePipeCodec::newKey() {
  const std::string bytes = core::Crypto::randomBytes(kKeySize);
  Key key{};
  std::memcpy(key.data(), bytes.data(), key.size());
  return key;
}

bool NodePipeCodec::peekPipeId(std::span<const uint8_t> datagram, uint32_t& pipeId) {
  if (datagram.size() < kHeaderSize || datagram[0] != kMarker || datagram[1] != kVersion)
    return false;
  pipeId = readU32(datagram.data() + 2);
  return true;
}

void NodePipeCodec::writeHeader(uint8_t* out, uint8_t kind) const {
  out[0] = kMarker;
  out[1] = kVersion;
  writeU32(out + 2, pipeId_);
  out[6] = kind;
  out[7] = 0;
}

size_t NodePipeCodec::encode(std::span<const uint8_t> rtp, const Metadata& meta,
                             std::span<uint8_t> out) {
  if (direction_ != Direction::Send || rtp.size() < kFixedRtpHeader) return 0;
  if ((rtp[0] >> 6) != 2 || meta.layer > kMaxLayer) return 0;
  const uint8_t csrcs = rtp[0] & 0x0F;
  if (csrcs > 13 || rtp.size() < kFixedRtpHeader + kCsrcSize * csrcs) return 0;
  if (out.size() < rtp.size() + kOverhead) return 0;

  writeHeader(out.data(), 0);  // media

  // The packet under the pipe's SSRC and sequence number; its own and the metadata lead
  // the CSRC list.
  uint8_t* packet = out.data() + kHeaderSize;
  std::memcpy(packet, rtp.data(), kFixedRtpHeader);
  packet[0] = static_cast<uint8_t>((rtp[0] & 0xF0) | (csrcs + 2));
  const uint16_t sequence = nextSequence_++;
  packet[2] = static_cast<uint8_t>(sequence >> 8);
  packet[3] = static_cast<uint8_t>(sequence);
  writeU32(packet + 8, pipeId_);
  uint8_t* m = packet + kFixedRtpHeader;
  m[0] = meta.track;
  m[1] = static_cast<uint8_t>((meta.layer << 1) | (meta.keyframe ? 1 : 0));
  m[2] = rtp[2];  // the packet's own sequence number
  m[3] = rtp[3];
  std::memcpy(m + kCsrcSize, rtp.data() + 8, 4);  // and SSRC
  std::memcpy(packet + kFixedRtpHeader + 2 * kCsrcSize, rtp.data() + kFixedRtpHeader,
              rtp.size() - kFixedRtpHeader);
  size_t size = rtp.size() + 2 * kCsrcSize;
  if (!srtp_->protectRtp(packet, size, out.size() - kHeaderSize)) return 0;
  return kHeaderSize + size;
}

size_t NodePipeCodec::encodeKeyframeRequest(uint8_t layer, std::span<uint8_t> out) {
  constexpr size_t kPli = 12;
  if (direction_ != Direction::Send ||
      out.size() < kHeaderSize + kPli + srtp::SrtpSession::kMaxTrailer)
    return 0;
  writeHeader(out.data(), 1);  // keyframe request
  // RTCP PLI (RFC 4585 §6.3.1): FMT 1, PT 206, length 2; the layer as the media SSRC.
  uint8_t* pli = out.data() + kHeaderSize;
  pli[0] = 0x81;
  pli[1] = 206;
  pli[2] = 0;
  pli[3] = 2;
  writeU32(pli + 4, pipeId_);
  writeU32(pli + 8, layer);
  size_t size = kPli;
  if (!srtp_->protectRtcp(pli, size, out.size() - kHeaderSize)) return 0;
  return kHeaderSize + size;
}

bool NodePipeCodec::decodeKeyframeRequest(std::span<uint8_t> datagram, uint8_t& layer) {
  uint32_t id = 0;
  if (direction_ != Direction::Receive || !peekPipeId(datagram, id) || id != pipeId_) return false;
  if (datagram[6] != 1 || datagram[7] != 0) return false;
  uint8_t* pli = datagram.data() + kHeaderSize;
  size_t size = datagram.size() - kHeaderSize;
  if (!srtp_->unprotectRtcp(pli, size)) return false;
  if (size != 12 || pli[0] != 0x81 || pli[1] != 206 || readU32(pli + 4) != pipeId_) return false;
  const uint32_t value = readU32(pli + 8);
  if (value > 0xFF) return false;
  layer = static_cast<uint8_t>(value);
  return true;
}

bool NodePipeCodec::decode(std::span<uint8_t> datagram, std::span<const uint8_t>& rtp,
                           Metadata& meta) {
  uint32_t id = 0;
  if (direction_ != Direction::Receive || !peekPipeId(datagram, id) || id != pipeId_) return false;
  if (datagram[6] != 0 || datagram[7] != 0) return false;
  if (datagram.size() < kHeaderSize + kFixedRtpHeader + 2 * kCsrcSize + kGcmTag) return false;
  uint8_t* packet = datagram.data() + kHeaderSize;
  // Only the pipe's own SSRC: one SRTP stream per pipe, whatever a datagram claims.
  if (readU32(packet + 8) != pipeId_) return false;
  size_t size = datagram.size() - kHeaderSize;
  if (!srtp_->unprotectRtp(packet, size)) return false;
  // Authentic from here on; still checked, as any code change on the sender could break it.
  const uint8_t csrcs = packet[0] & 0x0F;
  if (csrcs < 2 || size < kFixedRtpHeader + kCsrcSize * csrcs) return false;
  const uint8_t* m = packet + kFixedRtpHeader;
  meta.track = m[0];
  meta.layer = m[1] >> 1;
  meta.keyframe = (m[1] & 1) != 0;
  // The packet's own sequence number and SSRC back in place, then the fixed header moves up
  // over the two metadata CSRCs.
  packet[2] = m[2];
  packet[3] = m[3];
  std::memcpy(packet + 8, m + kCsrcSize, 4);
  std::memmove(packet + 2 * kCsrcSize, packet, kFixedRtpHeader);
  packet += 2 * kCsrcSize;
  packet[0] = static_cast<uint8_t>((packet[0] & 0xF0) | (csrcs - 2));
  rtp = std::span<const uint8_t>(packet, size - 2 * kCsrcSize);
  return true;
}

uint8_t NodePipeCodec::peekFeedbackKind(std::span<const uint8_t> datagram) {
  uint32_t id = 0;
  if (!peekPipeId(datagram, id) || datagram[7] != 0 || datagram[6] > 2) return 0;
  return datagram[6];
}

size_t NodePipeCodec::encodeNack(uint8_t track, uint8_t layer, std::span<const uint16_t> lost,
                                 std::span<uint8_t> out) {
  if (direction_ != Direction::Send || lost.empty() || lost.size() > kMaxNacked ||
      out.size() < kHeaderSize + srtp::SrtpSession::kMaxTrailer)
    return 0;
  writeHeader(out.data(), 2);  // retransmission request
  // The track and layer as the media SSRC.
  const size_t room = out.size() - kHeaderSize - srtp::SrtpSession::kMaxTrailer;
  size_t size = rtcp::GenericNack::build(out.data() + kHeaderSize, room, pipeId_,
                                         (uint32_t{track} << 8) | layer, lost.data(), lost.size());
  if (size == 0 || !srtp_->protectRtcp(out.data() + kHeaderSize, size, out.size() - kHeaderSize))
    return 0;
  return kHeaderSize + size;
}

size_t NodePipeCodec::decodeNack(std::span<uint8_t> datagram, uint8_t& track, uint8_t& layer,
                                 std::span<uint16_t> lost) {
  uint32_t id = 0;
  if (direction_ != Direction::Receive || !peekPipeId(datagram, id) || id != pipeId_ ||
      datagram[6] != 2 || datagram[7] != 0 || lost.size() < kMaxNacked)
    return 0;
  uint8_t* rtcp = datagram.data() + kHeaderSize;
  size_t size = datagram.size() - kHeaderSize;
  if (!srtp_->unprotectRtcp(rtcp, size)) return 0;
  auto nack = rtcp::GenericNack::parse(rtcp, size);
  if (!nack || nack->senderSsrc() != pipeId_ || nack->mediaSsrc() > 0xFFFF) return 0;
  track = static_cast<uint8_t>(nack->mediaSsrc() >> 8);
  layer = static_cast<uint8_t>(nack->mediaSsrc());
  return nack->lostSequenceNumbers(lost.data(), kMaxNacked);
}

size_t NodePipeCodec::encodeReport(uint8_t kind, uint8_t packetType, std::span<const uint8_t> info,
                                   std::span<uint8_t> out) {
  const size_t report = 8 + info.size();
  if (direction_ != Direction::Send ||
      out.size() < kHeaderSize + report + srtp::SrtpSession::kMaxTrailer)
    return 0;
  writeHeader(out.data(), kind);
  // RTCP (RFC 3550 §6.4) with no report blocks: V=2, RC=0, the length in words minus one.
  uint8_t* r = out.data() + kHeaderSize;
  r[0] = 0x80;
  r[1] = packetType;
  r[2] = 0;
  r[3] = static_cast<uint8_t>(report / 4 - 1);
  writeU32(r + 4, pipeId_);
  if (!info.empty()) std::memcpy(r + 8, info.data(), info.size());
  size_t size = report;
  if (!srtp_->protectRtcp(r, size, out.size() - kHeaderSize)) return 0;
  return kHeaderSize + size;
}

bool NodePipeCodec::isKind(std::span<const uint8_t> datagram, uint8_t kind) {
  uint32_t id = 0;
  return peekPipeId(datagram, id) && datagram[6] == kind && datagram[7] == 0;
}

std::optional<std::span<const uint8_t>> NodePipeCodec::decodeReport(std::span<uint8_t> datagram,
                                                                    uint8_t kind,
                                                                    uint8_t packetType) {
  uint32_t id = 0;
  if (direction_ != Direction::Receive || !peekPipeId(datagram, id) || id != pipeId_ ||
      !isKind(datagram, kind))
    return std::nullopt;
  uint8_t* r = datagram.data() + kHeaderSize;
  size_t size = datagram.size() - kHeaderSize;
  if (!srtp_->unprotectRtcp(r, size)) return std::nullopt;
  if (size < 8 || r[0] != 0x80 || r[1] != packetType || r[3] != size / 4 - 1 ||
      readU32(r + 4) != pipeId_)
    return std::nullopt;
  return std::span<const uint8_t>(r + 8, size - 8);
}

size_t NodePipeCodec::encodeKeepalive(std::span<uint8_t> out) {
  return encodeReport(kKeepaliveKind, 201, {}, out);  // an empty RR
}

bool NodePipeCodec::isKeepalive(std::span<const uint8_t> datagram) {
  return isKind(datagram, kKeepaliveKind);
}

bool NodePipeCodec::decodeKeepalive(std::span<uint8_t> datagram) {
  auto body = decodeReport(datagram, kKeepaliveKind, 201);
  return body && body->empty();
}

size_t NodePipeCodec::encodeSenderReport(const SenderReport& report, std::span<uint8_t> out) {
  if (report.layer > kMaxLayer) return 0;
  // The sender info of an SR: NTP time, RTP timestamp, then the track and layer in the
  // packet count's place, and no octet count.
  std::array<uint8_t, 20> info{};
  writeU32(info.data(), static_cast<uint32_t>(report.ntpTimestamp >> 32));
  writeU32(info.data() + 4, static_cast<uint32_t>(report.ntpTimestamp));
  writeU32(info.data() + 8, report.rtpTimestamp);
  writeU32(info.data() + 12, (uint32_t{report.track} << 8) | report.layer);
  return encodeReport(kSenderReportKind, 200, info, out);
}

bool NodePipeCodec::isSenderReport(std::span<const uint8_t> datagram) {
  return isKind(datagram, kSenderReportKind);
}

bool NodePipeCodec::decodeSenderReport(std::span<uint8_t> datagram, SenderReport& report) {
  auto body = decodeReport(datagram, kSenderReportKind, 200);
  if (!body || body->size() != 20) return false;
  const uint32_t trackAndLayer = readU32(body->data() + 12);
  if (trackAndLayer > 0xFFFF || (trackAndLayer & 0xFF) > kMaxLayer) return false;
  report.track = static_cast<uint8_t>(trackAndLayer >> 8);
  report.layer = static_cast<uint8_t>(trackAndLayer & 0xFF);
  report.ntpTimestamp = (uint64_t{readU32(body->data())} << 32) | readU32(body->data() + 4);
  report.rtpTimestamp = readU32(body->data() + 8);
  return true;
}

}  // namespace parley::media
