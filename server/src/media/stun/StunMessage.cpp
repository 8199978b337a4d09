#include "media/stun/StunMessage.h"

#include <array>
#include <cstring>

#include "core/Crypto.h"
#include "media/ByteOrder.h"

namespace parley::media::stun {

namespace {

constexpr size_t kAttrHeader = 4;
constexpr size_t kIntegritySize = 20;  // HMAC-SHA1
static_assert(kIntegritySize == srtp::HmacSha1::kTagSize);
constexpr size_t kFingerprintSize = 4;

struct CrcTable {
  uint32_t v[256];
  constexpr CrcTable() : v() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      v[i] = c;
    }
  }
};
constexpr CrcTable kCrcTable;

constexpr size_t padded(size_t n) {
  return (n + 3) & ~static_cast<size_t>(3);
}

}  // namespace

uint32_t StunMessage::crc32(const uint8_t* data, size_t size) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = kCrcTable.v[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::optional<StunMessage> StunMessage::parse(const uint8_t* data, size_t size) {
  if (data == nullptr || size < kHeaderSize) return std::nullopt;
  if ((data[0] & 0xC0) != 0) return std::nullopt;  // the top two bits are zero
  const size_t length = ByteOrder::read16(data + 2);
  if ((length & 3) != 0 || kHeaderSize + length != size) return std::nullopt;
  if (ByteOrder::read32(data + 4) != kMagicCookie) return std::nullopt;

  StunMessage m(data, size);
  size_t pos = kHeaderSize;
  while (pos < size) {
    if (size - pos < kAttrHeader) return std::nullopt;
    const uint16_t type = ByteOrder::read16(data + pos);
    const size_t len = ByteOrder::read16(data + pos + 2);
    const size_t value = pos + kAttrHeader;
    if (padded(len) > size - value) return std::nullopt;
    if (m.fingerprint_ != 0) return std::nullopt;  // nothing may follow FINGERPRINT
    const auto at = static_cast<uint32_t>(value);
    // After MESSAGE-INTEGRITY only FINGERPRINT counts (RFC 5389 §15.4).
    if (m.integrity_ != 0 && type != kAttrFingerprint) {
      pos = value + padded(len);
      continue;
    }
    switch (type) {
      case kAttrUsername:
        if (len > 513) return std::nullopt;
        m.username_ = at;
        m.usernameLen_ = static_cast<uint32_t>(len);
        break;
      case kAttrPriority:
        if (len != 4) return std::nullopt;
        m.priority_ = at;
        break;
      case kAttrUseCandidate:
        if (len != 0) return std::nullopt;
        m.useCandidate_ = at;
        break;
      case kAttrIceControlling:
        if (len != 8) return std::nullopt;
        m.controlling_ = at;
        break;
      case kAttrIceControlled:
        if (len != 8) return std::nullopt;
        m.controlled_ = at;
        break;
      case kAttrXorMappedAddress:
        if (len != 8 && len != 20) return std::nullopt;
        m.xorMapped_ = at;
        m.xorMappedLen_ = static_cast<uint32_t>(len);
        break;
      case kAttrErrorCode:
        if (len < 4 || len > 4 + 763) return std::nullopt;
        m.error_ = at;
        m.errorLen_ = static_cast<uint32_t>(len);
        break;
      case kAttrMessageIntegrity:
        if (len != kIntegritySize) return std::nullopt;
        m.integrity_ = static_cast<uint32_t>(pos);
        break;
      case kAttrFingerprint:
        if (len != kFingerprintSize) return std::nullopt;
        m.fingerprint_ = static_cast<uint32_t>(pos);
        break;
      default:
        break;  // unknown attributes are skipped (the comprehension-required check is ICE's)
    }
    pos = value + padded(len);
  }
  return m;
}

uint16_t StunMessage::type() const {
  return ByteOrder::read16(data_);
}

std::optional<std::string_view> StunMessage::username() const {
  if (username_ == 0) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(data_ + username_), usernameLen_);
}

std::optional<uint32_t> StunMessage::priority() const {
  if (priority_ == 0) return std::nullopt;
  return ByteOrder::read32(data_ + priority_);
}

std::optional<uint64_t> StunMessage::iceControlling() const {
  if (controlling_ == 0) return std::nullopt;
  return ByteOrder::read64(data_ + controlling_);
}

std::optional<uint64_t> StunMessage::iceControlled() const {
  if (controlled_ == 0) return std::nullopt;
  return ByteOrder::read64(data_ + controlled_);
}

std::optional<StunMessage::Address> StunMessage::xorMappedAddress() const {
  if (xorMapped_ == 0) return std::nullopt;
  const uint8_t* p = data_ + xorMapped_;
  Address a;
  const uint8_t family = p[1];
  a.port = static_cast<uint16_t>(ByteOrder::read16(p + 2) ^ (kMagicCookie >> 16));
  // The address is XORed with the magic cookie followed by the transaction id.
  const uint8_t* mask = data_ + 4;
  if (family == 0x01 && xorMappedLen_ == 8) {
    a.family = 4;
    for (size_t i = 0; i < 4; ++i) a.ip[i] = p[4 + i] ^ mask[i];
  } else if (family == 0x02 && xorMappedLen_ == 20) {
    a.family = 6;
    for (size_t i = 0; i < 16; ++i) a.ip[i] = p[4 + i] ^ mask[i];
  } else {
    return std::nullopt;
  }
  return a;
}

std::optional<StunMessage::ErrorCode> StunMessage::errorCode() const {
  if (error_ == 0) return std::nullopt;
  const uint8_t* p = data_ + error_;
  const unsigned cls = p[2] & 0x07;
  const unsigned number = p[3];
  if (cls < 3 || cls > 6 || number > 99) return std::nullopt;
  ErrorCode e;
  e.code = static_cast<uint16_t>(cls * 100 + number);
  e.reason = std::string_view(reinterpret_cast<const char*>(p + 4), errorLen_ - 4);
  return e;
}

bool StunMessage::checkFingerprint() const {
  if (fingerprint_ == 0) return false;
  const uint32_t expected = crc32(data_, fingerprint_) ^ kFingerprintXor;
  return ByteOrder::read32(data_ + fingerprint_ + kAttrHeader) == expected;
}

bool StunMessage::checkIntegrity(const IntegrityKey& key) const {
  if (integrity_ == 0) return false;
  // The MAC covers the message up to the attribute with the header's length adjusted to
  // end after it: the header is copied to adjust it, the rest is read where it lies.
  std::array<uint8_t, kHeaderSize> header;
  std::memcpy(header.data(), data_, kHeaderSize);
  ByteOrder::write16(header.data() + 2, static_cast<uint16_t>(integrity_ + kAttrHeader +
                                                              kIntegritySize - kHeaderSize));
  std::array<uint8_t, srtp::HmacSha1::kTagSize> mac;
  key.compute(header, {data_ + kHeaderSize, integrity_ - kHeaderSize}, mac.data());
  const std::string_view expected(reinterpret_cast<const char*>(mac.data()), kIntegritySize);
  const std::string_view got(reinterpret_cast<const char*>(data_ + integrity_ + kAttrHeader),
                             kIntegritySize);
  return core::Crypto::constantTimeEquals(expected, got);
}

size_t StunMessage::buildBindingSuccess(uint8_t* out, size_t capacity, const uint8_t* transactionId,
                                        const Address& mapped, const IntegrityKey& key) {
  if (out == nullptr || transactionId == nullptr) return 0;
  if (mapped.family != 4 && mapped.family != 6) return 0;
  const size_t ipLen = mapped.family == 4 ? 4 : 16;
  const size_t xorLen = 4 + ipLen;
  const size_t total = kHeaderSize + kAttrHeader + xorLen + kAttrHeader + kIntegritySize +
                       kAttrHeader + kFingerprintSize;
  if (capacity < total) return 0;

  ByteOrder::write16(out, kBindingSuccess);
  ByteOrder::write16(out + 2, 0);
  ByteOrder::write32(out + 4, kMagicCookie);
  std::memcpy(out + 8, transactionId, kTransactionIdSize);

  size_t pos = kHeaderSize;
  ByteOrder::write16(out + pos, kAttrXorMappedAddress);
  ByteOrder::write16(out + pos + 2, static_cast<uint16_t>(xorLen));
  uint8_t* v = out + pos + kAttrHeader;
  v[0] = 0;
  v[1] = mapped.family == 4 ? 0x01 : 0x02;
  ByteOrder::write16(v + 2, static_cast<uint16_t>(mapped.port ^ (kMagicCookie >> 16)));
  for (size_t i = 0; i < ipLen; ++i) v[4 + i] = mapped.ip[i] ^ out[4 + i];
  pos += kAttrHeader + xorLen;

  return appendTrailer(out, pos, key);
}

size_t StunMessage::appendTrailer(uint8_t* out, size_t pos, const IntegrityKey& key) {
  if (!key.empty()) {
    // MESSAGE-INTEGRITY: the length field already counts up to the end of this attribute.
    ByteOrder::write16(out + 2,
                       static_cast<uint16_t>(pos + kAttrHeader + kIntegritySize - kHeaderSize));
    ByteOrder::write16(out + pos, kAttrMessageIntegrity);
    ByteOrder::write16(out + pos + 2, static_cast<uint16_t>(kIntegritySize));
    key.compute({out, pos}, {}, out + pos + kAttrHeader);
    pos += kAttrHeader + kIntegritySize;
  }
  ByteOrder::write16(out + 2,
                     static_cast<uint16_t>(pos + kAttrHeader + kFingerprintSize - kHeaderSize));
  const uint32_t crc = crc32(out, pos) ^ kFingerprintXor;
  ByteOrder::write16(out + pos, kAttrFingerprint);
  ByteOrder::write16(out + pos + 2, static_cast<uint16_t>(kFingerprintSize));
  ByteOrder::write32(out + pos + kAttrHeader, crc);
  return pos + kAttrHeader + kFingerprintSize;
}

size_t StunMessage::buildBindingError(uint8_t* out, size_t capacity, const uint8_t* transactionId,
                                      uint16_t code, std::string_view reason,
                                      const IntegrityKey& key) {
  if (out == nullptr || transactionId == nullptr) return 0;
  if (code < 300 || code > 699 || reason.size() > 763) return 0;
  const size_t errorLen = 4 + reason.size();
  const size_t total = kHeaderSize + kAttrHeader + padded(errorLen) +
                       (key.empty() ? 0 : kAttrHeader + kIntegritySize) + kAttrHeader +
                       kFingerprintSize;
  if (capacity < total) return 0;

  ByteOrder::write16(out, kBindingError);
  ByteOrder::write16(out + 2, 0);
  ByteOrder::write32(out + 4, kMagicCookie);
  std::memcpy(out + 8, transactionId, kTransactionIdSize);

  size_t pos = kHeaderSize;
  ByteOrder::write16(out + pos, kAttrErrorCode);
  ByteOrder::write16(out + pos + 2, static_cast<uint16_t>(errorLen));
  uint8_t* v = out + pos + kAttrHeader;
  v[0] = 0;
  v[1] = 0;
  v[2] = static_cast<uint8_t>(code / 100);
  v[3] = static_cast<uint8_t>(code % 100);
  if (!reason.empty()) std::memcpy(v + 4, reason.data(), reason.size());
  std::memset(v + errorLen, 0, padded(errorLen) - errorLen);
  pos += kAttrHeader + padded(errorLen);
  return appendTrailer(out, pos, key);
}

size_t StunMessage::buildBindingRequest(uint8_t* out, size_t capacity, const uint8_t* transactionId,
                                        std::string_view username, const IntegrityKey& password,
                                        uint32_t priority, bool useCandidate,
                                        uint64_t iceControllingTieBreaker) {
  if (out == nullptr || transactionId == nullptr) return 0;
  if (username.size() > 513) return 0;  // what parse() accepts (RFC 8489 §14.3)
  const size_t total = kHeaderSize + kAttrHeader + padded(username.size()) + kAttrHeader + 4 +
                       kAttrHeader + 8 + (useCandidate ? kAttrHeader : 0) +
                       (password.empty() ? 0 : kAttrHeader + kIntegritySize) + kAttrHeader +
                       kFingerprintSize;
  if (capacity < total) return 0;

  ByteOrder::write16(out, kBindingRequest);
  ByteOrder::write16(out + 2, 0);
  ByteOrder::write32(out + 4, kMagicCookie);
  std::memcpy(out + 8, transactionId, kTransactionIdSize);

  size_t pos = kHeaderSize;
  ByteOrder::write16(out + pos, kAttrUsername);
  ByteOrder::write16(out + pos + 2, static_cast<uint16_t>(username.size()));
  uint8_t* v = out + pos + kAttrHeader;
  if (!username.empty()) std::memcpy(v, username.data(), username.size());
  // Zero padding: it is covered by MESSAGE-INTEGRITY and FINGERPRINT, so it must be defined.
  std::memset(v + username.size(), 0, padded(username.size()) - username.size());
  pos += kAttrHeader + padded(username.size());

  ByteOrder::write16(out + pos, kAttrPriority);
  ByteOrder::write16(out + pos + 2, 4);
  ByteOrder::write32(out + pos + kAttrHeader, priority);
  pos += kAttrHeader + 4;

  ByteOrder::write16(out + pos, kAttrIceControlling);
  ByteOrder::write16(out + pos + 2, 8);
  ByteOrder::write64(out + pos + kAttrHeader, iceControllingTieBreaker);
  pos += kAttrHeader + 8;

  if (useCandidate) {
    ByteOrder::write16(out + pos, kAttrUseCandidate);
    ByteOrder::write16(out + pos + 2, 0);
    pos += kAttrHeader;
  }
  return appendTrailer(out, pos, password);
}

}  // namespace parley::media::stun
