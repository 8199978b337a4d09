// What arrives on a media port as a pipe datagram from another node (media/NodePipeCodec),
// media, keepalive, sender report or feedback: any bytes are refused or opened without a crash, and
// anything the sender encodes opens again to the same packet and metadata (its own sequence number
// and SSRC restored).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "media/NodePipeCodec.h"

using parley::media::NodePipeCodec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const NodePipeCodec::Key key{1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                                      15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28};
  auto receiver = NodePipeCodec::create(NodePipeCodec::Direction::Receive, 42, key);
  std::vector<std::uint8_t> datagram(data, data + size);
  std::span<const std::uint8_t> rtp;
  NodePipeCodec::Metadata meta;
  uint32_t id = 0;
  (void)NodePipeCodec::peekPipeId(datagram, id);
  (void)receiver->decode(datagram, rtp, meta);
  std::vector<std::uint8_t> again(data, data + size);
  std::uint8_t layer = 0;
  (void)receiver->decodeKeyframeRequest(again, layer);
  std::vector<std::uint8_t> third(data, data + size);
  std::uint8_t track = 0;
  std::uint16_t lost[NodePipeCodec::kMaxNacked];
  (void)NodePipeCodec::peekFeedbackKind(third);
  (void)receiver->decodeNack(third, track, layer, lost);
  std::vector<std::uint8_t> fourth(data, data + size);
  (void)NodePipeCodec::isKeepalive(fourth);
  (void)receiver->decodeKeepalive(fourth);
  std::vector<std::uint8_t> fifth(data, data + size);
  NodePipeCodec::SenderReport report;
  (void)NodePipeCodec::isSenderReport(fifth);
  (void)receiver->decodeSenderReport(fifth, report);

  // The same bytes as an RTP packet to send: if the sender takes them, they come back.
  auto sender = NodePipeCodec::create(NodePipeCodec::Direction::Send, 42, key);
  auto fresh = NodePipeCodec::create(NodePipeCodec::Direction::Receive, 42, key);
  const NodePipeCodec::Metadata sent{
      size > 0 ? data[0] : std::uint8_t{0},
      static_cast<std::uint8_t>(size % (NodePipeCodec::kMaxLayer + 1)), (size & 1) != 0};
  std::vector<std::uint8_t> out(size + NodePipeCodec::kOverhead);
  const std::size_t n = sender->encode(std::span<const std::uint8_t>(data, size), sent, out);
  if (n != 0) {
    out.resize(n);
    if (!fresh->decode(out, rtp, meta)) __builtin_trap();
    if (rtp.size() != size || std::memcmp(rtp.data(), data, size) != 0) __builtin_trap();
    if (meta.track != sent.track || meta.layer != sent.layer || meta.keyframe != sent.keyframe)
      __builtin_trap();
  }
  // A sender report made of the bytes comes back the same.
  if (size >= 14) {
    NodePipeCodec::SenderReport in{data[0], static_cast<std::uint8_t>(data[1] & 0x7F), 0, 0};
    std::memcpy(&in.ntpTimestamp, data + 2, 8);
    std::memcpy(&in.rtpTimestamp, data + 10, 4);
    std::vector<std::uint8_t> sr(200);
    sr.resize(sender->encodeSenderReport(in, sr));
    NodePipeCodec::SenderReport back;
    if (sr.empty() || !fresh->decodeSenderReport(sr, back)) __builtin_trap();
    if (back.track != in.track || back.layer != in.layer || back.ntpTimestamp != in.ntpTimestamp ||
        back.rtpTimestamp != in.rtpTimestamp)
      __builtin_trap();
  }
  return 0;
}
