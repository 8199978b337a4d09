#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "media/srtp/SrtpSession.h"

namespace parley::media {

// One direction of a media pipe between two nodes (docs/cluster.md, "Sessions that span
// nodes"): the stream a publication forwards crosses once from the node that receives it to
// a node whose subscribers want it, as UDP datagrams to that node's media port.
//
// A datagram is an 8-byte pipe header — 0x50 (a first byte no protocol on a media port uses,
// RFC 7983), the version, the pipe id (which pipe, and so which key) and two reserved bytes —
// then the forwarded RTP packet, protected with SRTP AEAD_AES_128_GCM (RFC 7714) under the
// pipe's own key. The packet crosses under the pipe's own SSRC (its id) and sequence
// numbers, so no two datagrams of a pipe share a GCM nonce whatever a publisher sends (a
// sequence number used twice, say); its own SSRC and sequence number travel in two extra
// CSRCs at the head of the CSRC list, with what the receiving node needs besides the packet
// (the track, the simulcast layer, whether it starts a keyframe), so the GCM tag covers them
// with the rest of the header; decode() puts the packet back as it was. Keys are made by the
// sending node and handed to the other over the control channel; a pipe id names one key in
// one direction.
//
// One instance per direction and thread. encode() and decode() work in caller buffers and
// do not allocate (SrtpSession allocates once per new SSRC).
class NodePipeCodec {
 public:
  static constexpr uint8_t kMarker = 0x50;
  static constexpr uint8_t kVersion = 2;
  static constexpr size_t kHeaderSize = 8;
  // Room encode() needs past the RTP packet: the header, the two metadata CSRCs, the tag.
  static constexpr size_t kOverhead = kHeaderSize + 8 + srtp::SrtpSession::kMaxTrailer;
  static constexpr uint8_t kMaxLayer = 127;
  // Sequence numbers one retransmission request carries at most.
  static constexpr size_t kMaxNacked = 64;
  // The header's sixth byte of a keepalive (0 media, 1 keyframe request, 2 NACK).
  static constexpr uint8_t kKeepaliveKind = 3;
  static constexpr uint8_t kSenderReportKind = 4;
  static constexpr size_t kKeySize = srtp::srtpKeyMaterialSize(srtp::SrtpProfile::AeadAes128Gcm);
  using Key = std::array<uint8_t, kKeySize>;

  struct Metadata {
    uint8_t track = 0;  // the publication's producer index
    uint8_t layer = 0;  // simulcast layer, up to kMaxLayer
    bool keyframe = false;
  };

  enum class Direction { Send, Receive };

  // nullptr when the key cannot be used (an OpenSSL failure).
  static std::unique_ptr<NodePipeCodec> create(Direction direction, uint32_t pipeId,
                                               const Key& key);
  // A fresh random key (core::Crypto).
  static Key newKey();

  // Writes the datagram for `rtp` into `out`; its size, or 0 when `rtp` is not an RTP
  // packet, already carries more than 13 CSRCs, `meta.layer` is above kMaxLayer, or `out` is
  // too small (rtp.size() + kOverhead fits).
  size_t encode(std::span<const uint8_t> rtp, const Metadata& meta, std::span<uint8_t> out);

  // Checks and opens a datagram in place: on success `rtp` is the forwarded packet as it was
  // given to encode() (a view into `datagram`) and `meta` what came with it. False for
  // anything else — another pipe, a tampered or replayed datagram, malformed bytes — and
  // never a crash on any input.
  bool decode(std::span<uint8_t> datagram, std::span<const uint8_t>& rtp, Metadata& meta);

  // Feedback, the other way (a pipe of its own, with its own id and key): a keyframe request
  // for one simulcast layer, as an SRTCP-protected PLI behind the pipe header (its sixth byte
  // 1 instead of 0). encodeKeyframeRequest() returns the datagram's size (0: `out` too small);
  // decodeKeyframeRequest() is false for anything but an authentic, fresh request.
  size_t encodeKeyframeRequest(uint8_t layer, std::span<uint8_t> out);
  bool decodeKeyframeRequest(std::span<uint8_t> datagram, uint8_t& layer);
  // A retransmission request for packets of one track and layer that did not cross (their
  // original sequence numbers, increasing), as an SRTCP-protected generic NACK (RFC 4585)
  // behind the pipe header (sixth byte 2). Its size, or 0 when `lost` is empty or longer
  // than kMaxNacked or `out` is too small. decodeNack() writes the sequence numbers into
  // `lost` (kMaxNacked of room) and returns how many; 0 for anything not authentic and fresh.
  size_t encodeNack(uint8_t track, uint8_t layer, std::span<const uint16_t> lost,
                    std::span<uint8_t> out);
  size_t decodeNack(std::span<uint8_t> datagram, uint8_t& track, uint8_t& layer,
                    std::span<uint16_t> lost);
  // Which feedback a datagram carries, without checking it (0: none, 1: keyframe, 2: NACK).
  static uint8_t peekFeedbackKind(std::span<const uint8_t> datagram);

  // A keepalive, the media direction's sign of life while no packet crosses (a publisher
  // sending nothing, say): an SRTCP-protected empty receiver report behind the pipe header
  // (sixth byte 3), so a node whose pipe went silent can tell a dead origin from a quiet
  // stream. encodeKeepalive() returns the datagram's size (0: `out` too small);
  // isKeepalive() looks without checking; decodeKeepalive() is true only for an authentic,
  // fresh keepalive of this pipe.
  size_t encodeKeepalive(std::span<uint8_t> out);
  static bool isKeepalive(std::span<const uint8_t> datagram);
  bool decodeKeepalive(std::span<uint8_t> datagram);

  // A sender report of one track and layer of the stream (its NTP time and RTP timestamp, as
  // the publisher sent them), so that what reads a mirror (a recording) keeps audio and
  // video in step as it would at the origin: an SRTCP-protected SR (RFC 3550 §6.4.1) whose
  // SSRC is the pipe's id and whose packet count carries the track and layer, behind the
  // pipe header (sixth byte kSenderReportKind). encodeSenderReport() returns the datagram's
  // size (0: `out` too small, or a layer above kMaxLayer); decodeSenderReport() is true
  // only for an authentic, fresh report of this pipe.
  struct SenderReport {
    uint8_t track = 0;
    uint8_t layer = 0;
    uint64_t ntpTimestamp = 0;  // 32.32 fixed point
    uint32_t rtpTimestamp = 0;
  };
  size_t encodeSenderReport(const SenderReport& report, std::span<uint8_t> out);
  static bool isSenderReport(std::span<const uint8_t> datagram);
  bool decodeSenderReport(std::span<uint8_t> datagram, SenderReport& report);

  // The pipe id of a datagram, without checking it (to find its pipe); false when the bytes
  // are not a pipe datagram.
  static bool peekPipeId(std::span<const uint8_t> datagram, uint32_t& pipeId);

  uint32_t pipeId() const { return pipeId_; }
  Direction direction() const { return direction_; }

 private:
  // The 8-byte pipe header; `kind` is its sixth byte (0 media, 1 keyframe request, 2 NACK,
  // kKeepaliveKind, kSenderReportKind).
  void writeHeader(uint8_t* out, uint8_t kind) const;
  // A pipe datagram of `kind` carrying an SRTCP-protected RTCP packet of `packetType` with no
  // report blocks, SSRC the pipe id, then `info`; its size (0: `out` too small).
  size_t encodeReport(uint8_t kind, uint8_t packetType, std::span<const uint8_t> info,
                      std::span<uint8_t> out);
  static bool isKind(std::span<const uint8_t> datagram, uint8_t kind);
  // Opens such a datagram of this pipe in place: what follows the SSRC, or nullopt for
  // anything but an authentic, fresh one.
  std::optional<std::span<const uint8_t>> decodeReport(std::span<uint8_t> datagram, uint8_t kind,
                                                       uint8_t packetType);

  NodePipeCodec(Direction direction, uint32_t pipeId, std::unique_ptr<srtp::SrtpSession> srtp)
      : direction_(direction), pipeId_(pipeId), srtp_(std::move(srtp)) {}

  Direction direction_;
  uint32_t pipeId_;
  std::unique_ptr<srtp::SrtpSession> srtp_;
  uint16_t nextSequence_ = 0;  // the pipe's own, for the packets it sends
};

}  // namespace parley::media
