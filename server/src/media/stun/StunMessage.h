#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "media/stun/IntegrityKey.h"

namespace parley::media::stun {

// A read-only view of one STUN message (RFC 5389 / RFC 8489) in a caller-owned datagram.
// parse() validates the header and walks the attributes once, remembering where the ones
// ICE needs live; the accessors then read straight from the datagram. No allocation.
class StunMessage {
 public:
  static constexpr uint32_t kMagicCookie = 0x2112A442;
  static constexpr uint32_t kFingerprintXor = 0x5354554E;
  static constexpr size_t kHeaderSize = 20;
  static constexpr size_t kTransactionIdSize = 12;

  // Message types (method | class bits).
  static constexpr uint16_t kBindingRequest = 0x0001;
  static constexpr uint16_t kBindingIndication = 0x0011;
  static constexpr uint16_t kBindingSuccess = 0x0101;
  static constexpr uint16_t kBindingError = 0x0111;

  // Attribute types.
  static constexpr uint16_t kAttrMappedAddress = 0x0001;
  static constexpr uint16_t kAttrUsername = 0x0006;
  static constexpr uint16_t kAttrMessageIntegrity = 0x0008;
  static constexpr uint16_t kAttrErrorCode = 0x0009;
  static constexpr uint16_t kAttrXorMappedAddress = 0x0020;
  static constexpr uint16_t kAttrPriority = 0x0024;
  static constexpr uint16_t kAttrUseCandidate = 0x0025;
  static constexpr uint16_t kAttrFingerprint = 0x8028;
  static constexpr uint16_t kAttrIceControlled = 0x8029;
  static constexpr uint16_t kAttrIceControlling = 0x802A;

  struct Address {
    uint8_t family = 0;  // 4 or 6
    uint16_t port = 0;
    std::array<uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes; network order
  };
  struct ErrorCode {
    uint16_t code = 0;  // class * 100 + number, e.g. 401, 487
    std::string_view reason;
  };

  static std::optional<StunMessage> parse(const uint8_t* data, size_t size);

  uint16_t type() const;
  const uint8_t* transactionId() const { return data_ + 8; }  // kTransactionIdSize bytes
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  std::optional<std::string_view> username() const;
  std::optional<uint32_t> priority() const;
  bool useCandidate() const { return useCandidate_ != 0; }
  std::optional<uint64_t> iceControlling() const;
  std::optional<uint64_t> iceControlled() const;
  std::optional<Address> xorMappedAddress() const;
  std::optional<ErrorCode> errorCode() const;
  bool hasMessageIntegrity() const { return integrity_ != 0; }
  bool hasFingerprint() const { return fingerprint_ != 0; }

  // True when FINGERPRINT is present and matches CRC-32 of everything before it.
  bool checkFingerprint() const;
  // True when MESSAGE-INTEGRITY is present and is the HMAC-SHA1 (keyed with `key`: the
  // password for short-term credentials) of the message up to it, with the header length
  // adjusted to end after MESSAGE-INTEGRITY (RFC 5389 §15.4).
  bool checkIntegrity(const IntegrityKey& key) const;

  // Writes a Binding success response (XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY keyed with
  // `key`, FINGERPRINT) for `transactionId` into `out`. Returns the size, or 0 when
  // `capacity` is too small or the address family is not 4 or 6.
  static size_t buildBindingSuccess(uint8_t* out, size_t capacity, const uint8_t* transactionId,
                                    const Address& mapped, const IntegrityKey& key);

  // Writes a Binding error response with ERROR-CODE (`code` 300..699, `reason` at most 763
  // bytes), MESSAGE-INTEGRITY when `key` is not empty, and FINGERPRINT. Returns the size,
  // or 0 when it does not fit or the arguments are out of range.
  static size_t buildBindingError(uint8_t* out, size_t capacity, const uint8_t* transactionId,
                                  uint16_t code, std::string_view reason,
                                  const IntegrityKey& key = {});

  // Writes an ICE connectivity check (RFC 8445 §7.1.2) as the controlling agent sends it:
  // a Binding request with USERNAME ("<their ufrag>:<our ufrag>", at most 513 bytes),
  // PRIORITY, ICE-CONTROLLING, USE-CANDIDATE when `useCandidate`, MESSAGE-INTEGRITY keyed
  // with `password` (omitted when it is empty) and FINGERPRINT. The SFU is ICE-lite and
  // never sends checks; this is for tests and benchmarks that play the browser. Returns the
  // size, or 0 when it does not fit or the username is too long.
  static size_t buildBindingRequest(uint8_t* out, size_t capacity, const uint8_t* transactionId,
                                    std::string_view username, const IntegrityKey& password,
                                    uint32_t priority, bool useCandidate,
                                    uint64_t iceControllingTieBreaker);

  // CRC-32 (ISO-HDLC, as in zlib) of `size` bytes.
  static uint32_t crc32(const uint8_t* data, size_t size);

 private:
  StunMessage(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  // Appends MESSAGE-INTEGRITY (unless `key` is empty) and FINGERPRINT at `pos`, fixing up
  // the header length; the caller has checked the capacity. Returns the final size.
  static size_t appendTrailer(uint8_t* out, size_t pos, const IntegrityKey& key);

  // Offsets of the attribute *values* (0 = absent) and their lengths.
  const uint8_t* data_;
  size_t size_;
  uint32_t username_ = 0, usernameLen_ = 0;
  uint32_t priority_ = 0;
  uint32_t useCandidate_ = 0;
  uint32_t controlling_ = 0, controlled_ = 0;
  uint32_t xorMapped_ = 0, xorMappedLen_ = 0;
  uint32_t error_ = 0, errorLen_ = 0;
  uint32_t integrity_ = 0;    // offset of the attribute header
  uint32_t fingerprint_ = 0;  // offset of the attribute header
};

}  // namespace parley::media::stun
