#include "media/rtp/RtpPacket.h"

#include "media/ByteOrder.h"

namespace parley::media::rtp {

std::optional<RtpPacket> RtpPacket::parse(const uint8_t* data, size_t size) {
  return parseImpl(data, nullptr, size);
}

std::optional<RtpPacket> RtpPacket::parse(uint8_t* data, size_t size) {
  return parseImpl(data, data, size);
}

std::optional<RtpPacket> RtpPacket::parseImpl(const uint8_t* data, uint8_t* writable, size_t size) {
  if (data == nullptr || size < kFixedHeaderSize) return std::nullopt;
  if ((data[0] >> 6) != 2) return std::nullopt;
  RtpPacket p(data, writable, size);
  size_t pos = kFixedHeaderSize + 4 * static_cast<size_t>(data[0] & 0x0F);
  if (pos > size) return std::nullopt;
  if ((data[0] & 0x10) != 0) {
    if (size - pos < 4) return std::nullopt;
    p.extensionProfile_ = ByteOrder::read16(data + pos);
    const size_t words = ByteOrder::read16(data + pos + 2);
    pos += 4;
    if (words * 4 > size - pos) return std::nullopt;
    p.extensionOffset_ = pos;
    p.extensionSize_ = words * 4;
    pos += words * 4;
  }
  p.headerSize_ = pos;
  if ((data[0] & 0x20) != 0) {
    if (size == pos) return std::nullopt;
    const size_t pad = data[size - 1];
    if (pad == 0 || pad > size - pos) return std::nullopt;
    p.paddingSize_ = pad;
  }
  return p;
}

uint16_t RtpPacket::sequenceNumber() const {
  return ByteOrder::read16(data_ + 2);
}
uint32_t RtpPacket::timestamp() const {
  return ByteOrder::read32(data_ + 4);
}
uint32_t RtpPacket::ssrc() const {
  return ByteOrder::read32(data_ + 8);
}

uint32_t RtpPacket::csrc(size_t index) const {
  if (index >= csrcCount()) return 0;
  return ByteOrder::read32(data_ + kFixedHeaderSize + 4 * index);
}

std::span<const uint8_t> RtpPacket::extensionData() const {
  if (extensionOffset_ == 0) return {};
  return {data_ + extensionOffset_, extensionSize_};
}

std::optional<std::span<const uint8_t>> RtpPacket::extension(uint8_t id) const {
  if (extensionOffset_ == 0 || id == 0) return std::nullopt;
  const uint8_t* p = data_ + extensionOffset_;
  const size_t n = extensionSize_;
  size_t i = 0;
  if (extensionProfile_ == kOneByteProfile) {
    if (id > 14) return std::nullopt;
    while (i < n) {
      const uint8_t b = p[i];
      if (b == 0) {  // padding
        ++i;
        continue;
      }
      const uint8_t elementId = b >> 4;
      if (elementId == 15) return std::nullopt;  // stop processing
      const size_t len = static_cast<size_t>(b & 0x0F) + 1;
      if (len > n - i - 1) return std::nullopt;
      if (elementId == id) return std::span<const uint8_t>(p + i + 1, len);
      i += 1 + len;
    }
  } else if ((extensionProfile_ & kTwoByteProfileMask) == kTwoByteProfile) {
    while (i < n) {
      const uint8_t elementId = p[i];
      if (elementId == 0) {  // padding
        ++i;
        continue;
      }
      if (n - i < 2) return std::nullopt;
      const size_t len = p[i + 1];
      if (len > n - i - 2) return std::nullopt;
      if (elementId == id) return std::span<const uint8_t>(p + i + 2, len);
      i += 2 + len;
    }
  }
  return std::nullopt;
}

std::optional<std::span<uint8_t>> RtpPacket::mutableExtension(uint8_t id) {
  if (writable_ == nullptr) return std::nullopt;
  const auto found = extension(id);
  if (!found) return std::nullopt;
  const auto offset = static_cast<size_t>(found->data() - data_);
  return std::span<uint8_t>(writable_ + offset, found->size());
}

std::span<const uint8_t> RtpPacket::payload() const {
  return {data_ + headerSize_, size_ - headerSize_ - paddingSize_};
}

bool RtpPacket::setSsrc(uint32_t ssrc) {
  if (writable_ == nullptr) return false;
  ByteOrder::write32(writable_ + 8, ssrc);
  return true;
}

bool RtpPacket::setSequenceNumber(uint16_t seq) {
  if (writable_ == nullptr) return false;
  ByteOrder::write16(writable_ + 2, seq);
  return true;
}

bool RtpPacket::setTimestamp(uint32_t timestamp) {
  if (writable_ == nullptr) return false;
  ByteOrder::write32(writable_ + 4, timestamp);
  return true;
}

bool RtpPacket::setPayloadType(uint8_t pt) {
  if (writable_ == nullptr || pt > 127) return false;
  writable_[1] = static_cast<uint8_t>((writable_[1] & 0x80) | pt);
  return true;
}

bool RtpPacket::setMarker(bool marker) {
  if (writable_ == nullptr) return false;
  writable_[1] = static_cast<uint8_t>((writable_[1] & 0x7F) | (marker ? 0x80 : 0));
  return true;
}

}  // namespace parley::media::rtp
