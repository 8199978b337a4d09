#include "media/NodePipeCodec.h"

#include <cstring>

#include "core/Crypto.h"

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

size_t NodePipeCodec::encode(std::span<const uint8_t> rtp, const Metadata& meta,
                             std::span<uint8_t> out) {
  if (direction_ != Direction::Send || rtp.size() < kFixedRtpHeader) return 0;
  if ((rtp[0] >> 6) != 2) return 0;
  const uint8_t csrcs = rtp[0] & 0x0F;
  if (csrcs == 15 || rtp.size() < kFixedRtpHeader + kCsrcSize * csrcs) return 0;
  if (out.size() < rtp.size() + kOverhead) return 0;

  uint8_t* header = out.data();
  header[0] = kMarker;
  header[1] = kVersion;
  writeU32(header + 2, pipeId_);
  header[6] = 0;
  header[7] = 0;

  // The packet with the metadata as its first CSRC.
  uint8_t* packet = out.data() + kHeaderSize;
  std::memcpy(packet, rtp.data(), kFixedRtpHeader);
  packet[0] = static_cast<uint8_t>((rtp[0] & 0xF0) | (csrcs + 1));
  packet[kFixedRtpHeader] = meta.track;
  packet[kFixedRtpHeader + 1] = meta.layer;
  packet[kFixedRtpHeader + 2] = meta.keyframe ? 1 : 0;
  packet[kFixedRtpHeader + 3] = 0;
  std::memcpy(packet + kFixedRtpHeader + kCsrcSize, rtp.data() + kFixedRtpHeader,
              rtp.size() - kFixedRtpHeader);
  size_t size = rtp.size() + kCsrcSize;
  if (!srtp_->protectRtp(packet, size, out.size() - kHeaderSize)) return 0;
  return kHeaderSize + size;
}

size_t NodePipeCodec::encodeKeyframeRequest(uint8_t layer, std::span<uint8_t> out) {
  constexpr size_t kPli = 12;
  if (direction_ != Direction::Send ||
      out.size() < kHeaderSize + kPli + srtp::SrtpSession::kMaxTrailer)
    return 0;
  uint8_t* header = out.data();
  header[0] = kMarker;
  header[1] = kVersion;
  writeU32(header + 2, pipeId_);
  header[6] = 1;  // feedback
  header[7] = 0;
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
  if (datagram.size() < kHeaderSize + kFixedRtpHeader + kCsrcSize + kGcmTag) return false;
  uint8_t* packet = datagram.data() + kHeaderSize;
  size_t size = datagram.size() - kHeaderSize;
  if (!srtp_->unprotectRtp(packet, size)) return false;
  // Authentic from here on; still checked, as any code change on the sender could break it.
  const uint8_t csrcs = packet[0] & 0x0F;
  if (csrcs == 0 || size < kFixedRtpHeader + kCsrcSize * csrcs) return false;
  const uint8_t* m = packet + kFixedRtpHeader;
  if (m[2] > 1 || m[3] != 0) return false;
  meta.track = m[0];
  meta.layer = m[1];
  meta.keyframe = m[2] == 1;
  // Drop the metadata CSRC: the fixed header moves up over it.
  std::memmove(packet + kCsrcSize, packet, kFixedRtpHeader);
  packet += kCsrcSize;
  packet[0] = static_cast<uint8_t>((packet[0] & 0xF0) | (csrcs - 1));
  rtp = std::span<const uint8_t>(packet, size - kCsrcSize);
  return true;
}

}  // namespace parley::media
