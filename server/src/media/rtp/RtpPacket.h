#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace parley::media::rtp {

// A view of one RTP packet (RFC 3550) in a caller-owned datagram, with header extensions
// (RFC 8285: one-byte 0xBEDE and two-byte 0x100X forms). Parsing validates once; accessors
// read the bytes directly. A packet parsed from a mutable buffer can have SSRC, sequence
// number, timestamp, payload type and marker rewritten in place (per-consumer forwarding).
class RtpPacket {
 public:
  static constexpr size_t kFixedHeaderSize = 12;
  static constexpr uint16_t kOneByteProfile = 0xBEDE;
  static constexpr uint16_t kTwoByteProfileMask = 0xFFF0;
  static constexpr uint16_t kTwoByteProfile = 0x1000;

  // Read-only view; the setters return false on it.
  static std::optional<RtpPacket> parse(const uint8_t* data, size_t size);
  // Writable view; the setters rewrite the datagram.
  static std::optional<RtpPacket> parse(uint8_t* data, size_t size);

  bool hasPadding() const { return (data_[0] & 0x20) != 0; }
  bool hasExtension() const { return (data_[0] & 0x10) != 0; }
  uint8_t csrcCount() const { return data_[0] & 0x0F; }
  bool marker() const { return (data_[1] & 0x80) != 0; }
  uint8_t payloadType() const { return data_[1] & 0x7F; }
  uint16_t sequenceNumber() const;
  uint32_t timestamp() const;
  uint32_t ssrc() const;
  uint32_t csrc(size_t index) const;  // index < csrcCount()

  // 0xBEDE, 0x100X or another profile; 0 when there is no extension.
  uint16_t extensionProfile() const { return extensionProfile_; }
  std::span<const uint8_t> extensionData() const;
  // The element with `id` (1..14 one-byte, 1..255 two-byte); nullopt when absent or when
  // the extension block is not an RFC 8285 one. A zero-length two-byte element is an
  // empty span.
  std::optional<std::span<const uint8_t>> extension(uint8_t id) const;

  // The same element, writable in place (e.g. to rewrite a transport-wide sequence
  // number per consumer); nullopt on a read-only view.
  std::optional<std::span<uint8_t>> mutableExtension(uint8_t id);

  size_t headerSize() const { return headerSize_; }
  size_t paddingSize() const { return paddingSize_; }
  std::span<const uint8_t> payload() const;
  const uint8_t* data() const { return data_; }
  uint8_t* mutableData() const { return writable_; }  // null on a read-only view
  size_t size() const { return size_; }

  bool setSsrc(uint32_t ssrc);
  bool setSequenceNumber(uint16_t seq);
  bool setTimestamp(uint32_t timestamp);
  bool setPayloadType(uint8_t pt);  // keeps the marker bit; pt < 128
  bool setMarker(bool marker);

 private:
  RtpPacket(const uint8_t* data, uint8_t* writable, size_t size)
      : data_(data), writable_(writable), size_(size) {}
  static std::optional<RtpPacket> parseImpl(const uint8_t* data, uint8_t* writable, size_t size);

  const uint8_t* data_;
  uint8_t* writable_;  // null for read-only views
  size_t size_;
  size_t headerSize_ = kFixedHeaderSize;
  size_t extensionOffset_ = 0;  // of the extension data (after its 4-byte header)
  size_t extensionSize_ = 0;
  uint16_t extensionProfile_ = 0;
  size_t paddingSize_ = 0;
};

}  // namespace parley::media::rtp
