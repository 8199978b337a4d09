#include "media/srtp/SrtpSession.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <limits>

#include "media/ByteOrder.h"
#include "media/srtp/SrtpKeyDerivation.h"

namespace parley::media::srtp {

namespace {

constexpr size_t kRtpHeaderSize = 12;
constexpr size_t kRtcpHeaderSize = 8;
constexpr size_t kSrtcpIndexSize = 4;
constexpr size_t kCmTagSize = 10;   // HMAC-SHA1 truncated to 80 bits
constexpr size_t kGcmTagSize = 16;  // RFC 7714 §14.2
constexpr size_t kGcmIvSize = 12;
// EVP takes int lengths; RTP over UDP never exceeds this anyway.
constexpr size_t kMaxPacketSize = 65535;
constexpr uint32_t kSrtcpEncryptedFlag = 0x80000000;
constexpr uint32_t kMaxSrtcpIndex = 0x7FFFFFFF;
constexpr uint16_t kSeqHalf = 0x8000;

// Bytes covered by the fixed header, the CSRCs and the header extension, or 0 when they do
// not fit in `size`.
size_t rtpHeaderLength(const uint8_t* data, size_t size) {
  if (size < kRtpHeaderSize || (data[0] >> 6) != 2) return 0;
  size_t length = kRtpHeaderSize + 4 * static_cast<size_t>(data[0] & 0x0F);
  if (data[0] & 0x10) {
    if (length + 4 > size) return 0;
    length += 4 + 4 * static_cast<size_t>(ByteOrder::read16(data + length + 2));
  }
  return length <= size ? length : 0;
}

bool isRtcpVersion2(const uint8_t* data) {
  return (data[0] >> 6) == 2;
}

// Fetched once per process: creating a session then skips the implicit fetch (a locked
// lookup in OpenSSL's method store). Never freed, like OpenSSL's own built-in tables.
const EVP_CIPHER* cipherFor(SrtpProfile profile) {
  static EVP_CIPHER* const ctr = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr);
  static EVP_CIPHER* const gcm = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  return profile == SrtpProfile::AeadAes128Gcm ? gcm : ctr;
}

}  // namespace

std::unique_ptr<SrtpSession> SrtpSession::create(SrtpProfile profile, Direction direction,
                                                 std::span<const uint8_t> keyMaterial,
                                                 std::string* error) {
  auto failWith = [error](std::string message) -> std::unique_ptr<SrtpSession> {
    if (error) *error = std::move(message);
    return nullptr;
  };
  const size_t expected = srtpKeyMaterialSize(profile);
  if (keyMaterial.size() != expected)
    return failWith("SRTP key material must be " + std::to_string(expected) + " bytes, got " +
                    std::to_string(keyMaterial.size()));
  if (!cipherFor(profile)) return failWith("OpenSSL has no AES-128 CTR/GCM");

  std::unique_ptr<SrtpSession> session(new SrtpSession(profile, direction));
  const auto masterKey = keyMaterial.first(srtpMasterKeySize(profile));
  const auto masterSalt = keyMaterial.subspan(srtpMasterKeySize(profile));
  if (!session->initKeys(session->rtp_, masterKey, masterSalt, false) ||
      !session->initKeys(session->rtcp_, masterKey, masterSalt, true))
    return failWith("cannot set up the SRTP ciphers (OpenSSL failure)");
  return session;
}

SrtpSession::SrtpSession(SrtpProfile profile, Direction direction)
    : profile_(profile),
      direction_(direction),
      tagSize_(profile == SrtpProfile::AeadAes128Gcm ? kGcmTagSize : kCmTagSize) {}

SrtpSession::~SrtpSession() {
  // EVP_CIPHER_CTX_free cleanses the key schedules; the salts are wiped here.
  EVP_CIPHER_CTX_free(rtp_.cipher);
  EVP_CIPHER_CTX_free(rtcp_.cipher);
  OPENSSL_cleanse(rtp_.salt.data(), rtp_.salt.size());
  OPENSSL_cleanse(rtcp_.salt.data(), rtcp_.salt.size());
}

bool SrtpSession::initKeys(Keys& keys, std::span<const uint8_t> masterKey,
                           std::span<const uint8_t> masterSalt, bool rtcp) {
  using Label = SrtpKeyDerivation::Label;
  const bool gcm = profile_ == SrtpProfile::AeadAes128Gcm;
  std::array<uint8_t, 16> key{};
  std::array<uint8_t, HmacSha1::kTagSize> authKey{};
  const auto salt = std::span<uint8_t>(keys.salt).first(gcm ? kGcmIvSize : keys.salt.size());
  bool ok = SrtpKeyDerivation::derive(masterKey, masterSalt,
                                      rtcp ? Label::kRtcpEncryption : Label::kRtpEncryption, key) &&
            SrtpKeyDerivation::derive(masterKey, masterSalt,
                                      rtcp ? Label::kRtcpSalt : Label::kRtpSalt, salt);
  if (ok && !gcm) {
    ok = SrtpKeyDerivation::derive(masterKey, masterSalt,
                                   rtcp ? Label::kRtcpAuthentication : Label::kRtpAuthentication,
                                   authKey);
    if (ok) keys.auth = HmacSha1(authKey);
  }
  if (ok) {
    // The key is set once here; each packet only sets its IV.
    keys.cipher = EVP_CIPHER_CTX_new();
    ok = keys.cipher && EVP_CipherInit_ex(keys.cipher, cipherFor(profile_), nullptr, key.data(),
                                          nullptr, direction_ == Direction::Outbound) == 1;
  }
  OPENSSL_cleanse(key.data(), key.size());
  OPENSSL_cleanse(authKey.data(), authKey.size());
  return ok;
}

int SrtpSession::find(uint32_t ssrc) const {
  for (size_t i = 0; i < usedStreams_; ++i)
    if (streams_[i].ssrc == ssrc) return static_cast<int>(i);
  return -1;
}

int SrtpSession::findOrAdd(uint32_t ssrc) {
  if (const int found = find(ssrc); found >= 0) return found;
  if (usedStreams_ == streams_.size()) {
    ++refusedSsrcPackets_;
    return -1;
  }
  const size_t slot = usedStreams_++;
  streams_[slot] = Stream{};
  streams_[slot].ssrc = ssrc;
  if (direction_ == Direction::Inbound) replay_.emplace_back();  // replay_[slot]
  return static_cast<int>(slot);
}

bool SrtpSession::estimateIndex(const Stream* stream, uint16_t seq, uint64_t& index) {
  // A new SSRC starts with ROC 0 on both sides (RFC 3711 §3.3.1).
  if (!stream || !stream->rtpStarted) {
    index = seq;
    return true;
  }
  const uint16_t sl = stream->highestSeq;
  uint64_t v = stream->roc;
  if (sl < kSeqHalf) {
    // A packet from before the last wrap. With ROC 0 there is none: the index is just
    // bigger (so a stream whose first packets wander around 0 keeps ROC 0, as libsrtp does).
    if (seq > sl && seq - sl > kSeqHalf && v > 0) --v;
  } else if (seq < sl - kSeqHalf) {
    // The sequence number wrapped.
    if (v == std::numeric_limits<uint32_t>::max()) return false;
    ++v;
  }
  index = (v << 16) | seq;
  return true;
}

void SrtpSession::advance(Stream& stream, uint64_t index) {
  const uint64_t highest = (static_cast<uint64_t>(stream.roc) << 16) | stream.highestSeq;
  if (!stream.rtpStarted || index > highest) {
    stream.roc = static_cast<uint32_t>(index >> 16);
    stream.highestSeq = static_cast<uint16_t>(index);
    stream.rtpStarted = true;
  }
}

bool SrtpSession::cmCrypt(const Keys& keys, uint32_t ssrc, uint64_t index, uint8_t* data,
                          size_t size) {
  // IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16) (RFC 3711 §4.1.1): the salt in
  // bytes 0-13, the SSRC over bytes 4-7, the 48-bit index over bytes 8-13, and the block
  // counter in bytes 14-15, starting at 0.
  uint8_t iv[16] = {};
  std::copy(keys.salt.begin(), keys.salt.end(), iv);
  uint8_t mix[16] = {};
  ByteOrder::write32(mix + 4, ssrc);
  ByteOrder::write16(mix + 8, static_cast<uint16_t>(index >> 32));
  ByteOrder::write32(mix + 10, static_cast<uint32_t>(index));
  for (size_t i = 0; i < sizeof iv; ++i) iv[i] ^= mix[i];
  if (EVP_CipherInit_ex(keys.cipher, nullptr, nullptr, nullptr, iv, -1) != 1) return false;
  if (size == 0) return true;
  int length = 0;
  return EVP_CipherUpdate(keys.cipher, data, &length, data, static_cast<int>(size)) == 1 &&
         static_cast<size_t>(length) == size;
}

bool SrtpSession::gcmSetIv(EVP_CIPHER_CTX* ctx, const uint8_t* iv) {
  // The key and direction stay from setup; only the 12-byte IV changes per packet. Given
  // as the provider's "fixed IV" parameter with the length -1, which means a whole IV:
  // EVP_CipherInit_ex does the same after asking the provider for the IV length through a
  // parameter query on every call (about 35-40 ns of a 1 KB packet's 400). The IV takes
  // effect (and resets GHASH) at the next update, as it would after an init.
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED,
                                                           const_cast<uint8_t*>(iv), SIZE_MAX),
                         OSSL_PARAM_construct_end()};
  return EVP_CIPHER_CTX_set_params(ctx, params) == 1;
}

bool SrtpSession::gcmSeal(const Keys& keys, const uint8_t* iv, const uint8_t* aad1, size_t aad1Size,
                          const uint8_t* aad2, size_t aad2Size, uint8_t* data, size_t size,
                          uint8_t* tag) {
  EVP_CIPHER_CTX* ctx = keys.cipher;
  int length = 0;
  if (!gcmSetIv(ctx, iv) ||
      EVP_CipherUpdate(ctx, nullptr, &length, aad1, static_cast<int>(aad1Size)) != 1)
    return false;
  if (aad2Size > 0 &&
      EVP_CipherUpdate(ctx, nullptr, &length, aad2, static_cast<int>(aad2Size)) != 1)
    return false;
  if (size > 0 && (EVP_CipherUpdate(ctx, data, &length, data, static_cast<int>(size)) != 1 ||
                   static_cast<size_t>(length) != size))
    return false;
  uint8_t none[16];  // GCM's final step outputs no bytes
  if (EVP_CipherFinal_ex(ctx, none, &length) != 1) return false;
  // Parameters directly rather than EVP_CIPHER_CTX_ctrl, which would build them per call.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kGcmTagSize),
      OSSL_PARAM_construct_end()};
  return EVP_CIPHER_CTX_get_params(ctx, params) == 1;
}

bool SrtpSession::gcmOpen(const Keys& keys, const uint8_t* iv, const uint8_t* aad1, size_t aad1Size,
                          const uint8_t* aad2, size_t aad2Size, uint8_t* data, size_t size,
                          const uint8_t* tag) {
  EVP_CIPHER_CTX* ctx = keys.cipher;
  int length = 0;
  uint8_t expected[kGcmTagSize];
  std::copy(tag, tag + kGcmTagSize, expected);
  if (!gcmSetIv(ctx, iv) ||
      EVP_CipherUpdate(ctx, nullptr, &length, aad1, static_cast<int>(aad1Size)) != 1)
    return false;
  if (aad2Size > 0 &&
      EVP_CipherUpdate(ctx, nullptr, &length, aad2, static_cast<int>(aad2Size)) != 1)
    return false;
  if (size > 0 && (EVP_CipherUpdate(ctx, data, &length, data, static_cast<int>(size)) != 1 ||
                   static_cast<size_t>(length) != size))
    return false;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, expected, kGcmTagSize),
      OSSL_PARAM_construct_end()};
  uint8_t none[16];
  // The final step compares the tag (in constant time).
  return EVP_CIPHER_CTX_set_params(ctx, params) == 1 && EVP_CipherFinal_ex(ctx, none, &length) == 1;
}

bool SrtpSession::protectRtp(uint8_t* data, size_t& size, size_t capacity) {
  if (direction_ != Direction::Outbound || !data || size > kMaxPacketSize ||
      capacity < size + kMaxTrailer)
    return false;
  const size_t header = rtpHeaderLength(data, size);
  if (header == 0) return false;
  const uint16_t seq = ByteOrder::read16(data + 2);
  const uint32_t ssrc = ByteOrder::read32(data + 8);
  const int slot = findOrAdd(ssrc);
  if (slot < 0) return false;
  Stream& stream = streams_[static_cast<size_t>(slot)];
  // A retransmission (the same or an older sequence number) gets the index it had the
  // first time, so it comes out identical: libsrtp's allow_repeat_tx.
  uint64_t index = 0;
  if (!estimateIndex(&stream, seq, index)) return false;
  const uint32_t roc = static_cast<uint32_t>(index >> 16);

  if (profile_ == SrtpProfile::AeadAes128Gcm) {
    // RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt; AAD = the header.
    uint8_t iv[kGcmIvSize] = {};
    ByteOrder::write32(iv + 2, ssrc);
    ByteOrder::write32(iv + 6, roc);
    ByteOrder::write16(iv + 10, seq);
    for (size_t i = 0; i < kGcmIvSize; ++i) iv[i] ^= rtp_.salt[i];
    if (!gcmSeal(rtp_, iv, data, header, nullptr, 0, data + header, size - header, data + size))
      return false;
  } else {
    // RFC 3711 §4.2: the tag covers the packet and then the ROC, which is not sent.
    if (!cmCrypt(rtp_, ssrc, index, data + header, size - header)) return false;
    uint8_t rocBytes[4];
    ByteOrder::write32(rocBytes, roc);
    uint8_t tag[HmacSha1::kTagSize];
    rtp_.auth.compute({data, size}, rocBytes, tag);
    std::copy(tag, tag + kCmTagSize, data + size);
  }
  size += tagSize_;
  advance(stream, index);
  return true;
}

bool SrtpSession::unprotectRtp(uint8_t* data, size_t& size) {
  if (direction_ != Direction::Inbound || !data || size > kMaxPacketSize) return false;
  const size_t header = rtpHeaderLength(data, size);
  if (header == 0 || size < header + tagSize_) return false;
  const uint16_t seq = ByteOrder::read16(data + 2);
  const uint32_t ssrc = ByteOrder::read32(data + 8);
  // Nothing changes before the packet is authenticated: a forgery must not take a slot,
  // move the ROC or mark an index as seen.
  int slot = find(ssrc);
  if (slot < 0 && usedStreams_ == streams_.size()) {
    ++refusedSsrcPackets_;
    return false;
  }
  uint64_t index = 0;
  if (!estimateIndex(slot >= 0 ? &streams_[static_cast<size_t>(slot)] : nullptr, seq, index))
    return false;
  if (slot >= 0 && !replay_[static_cast<size_t>(slot)].rtp.fresh(index)) return false;
  const uint32_t roc = static_cast<uint32_t>(index >> 16);
  const size_t payloadEnd = size - tagSize_;

  if (profile_ == SrtpProfile::AeadAes128Gcm) {
    uint8_t iv[kGcmIvSize] = {};
    ByteOrder::write32(iv + 2, ssrc);
    ByteOrder::write32(iv + 6, roc);
    ByteOrder::write16(iv + 10, seq);
    for (size_t i = 0; i < kGcmIvSize; ++i) iv[i] ^= rtp_.salt[i];
    if (!gcmOpen(rtp_, iv, data, header, nullptr, 0, data + header, payloadEnd - header,
                 data + payloadEnd))
      return false;
  } else {
    uint8_t rocBytes[4];
    ByteOrder::write32(rocBytes, roc);
    uint8_t tag[HmacSha1::kTagSize];
    rtp_.auth.compute({data, payloadEnd}, rocBytes, tag);
    if (CRYPTO_memcmp(tag, data + payloadEnd, kCmTagSize) != 0) return false;
    if (!cmCrypt(rtp_, ssrc, index, data + header, payloadEnd - header)) return false;
  }
  size = payloadEnd;
  if (slot < 0) slot = findOrAdd(ssrc);  // a free slot was checked for above
  Stream& stream = streams_[static_cast<size_t>(slot)];
  advance(stream, index);
  replay_[static_cast<size_t>(slot)].rtp.accept(index);
  return true;
}

bool SrtpSession::protectRtcp(uint8_t* data, size_t& size, size_t capacity) {
  if (direction_ != Direction::Outbound || !data || size < kRtcpHeaderSize ||
      size > kMaxPacketSize || capacity < size + kMaxTrailer || !isRtcpVersion2(data))
    return false;
  // Past 2^31 packets an index would repeat; RFC 3711 §9.2 wants a new key by then.
  if (nextSrtcpIndex_ > kMaxSrtcpIndex) return false;
  const uint32_t index = nextSrtcpIndex_;
  const uint32_t ssrc = ByteOrder::read32(data + 4);
  uint8_t trailer[kSrtcpIndexSize];
  ByteOrder::write32(trailer, kSrtcpEncryptedFlag | index);

  if (profile_ == SrtpProfile::AeadAes128Gcm) {
    // RFC 7714 §9: IV = (00 00 || SSRC || 00 00 || 0 || index) XOR salt; AAD = the first 8
    // bytes and E || index; the packet ends with the tag, then E || index.
    uint8_t iv[kGcmIvSize] = {};
    ByteOrder::write32(iv + 2, ssrc);
    ByteOrder::write32(iv + 8, index);
    for (size_t i = 0; i < kGcmIvSize; ++i) iv[i] ^= rtcp_.salt[i];
    if (!gcmSeal(rtcp_, iv, data, kRtcpHeaderSize, trailer, sizeof trailer, data + kRtcpHeaderSize,
                 size - kRtcpHeaderSize, data + size))
      return false;
    std::copy(trailer, trailer + sizeof trailer, data + size + kGcmTagSize);
    size += kGcmTagSize + kSrtcpIndexSize;
  } else {
    // RFC 3711 §3.4: everything after the sender SSRC is encrypted, E || index follows,
    // and the tag covers all of it.
    if (!cmCrypt(rtcp_, ssrc, index, data + kRtcpHeaderSize, size - kRtcpHeaderSize)) return false;
    std::copy(trailer, trailer + sizeof trailer, data + size);
    size += kSrtcpIndexSize;
    uint8_t tag[HmacSha1::kTagSize];
    rtcp_.auth.compute({data, size}, {}, tag);
    std::copy(tag, tag + kCmTagSize, data + size);
    size += kCmTagSize;
  }
  ++nextSrtcpIndex_;
  return true;
}

bool SrtpSession::unprotectRtcp(uint8_t* data, size_t& size) {
  if (direction_ != Direction::Inbound || !data || size > kMaxPacketSize ||
      size < kRtcpHeaderSize + kSrtcpIndexSize + tagSize_ || !isRtcpVersion2(data))
    return false;
  const bool gcm = profile_ == SrtpProfile::AeadAes128Gcm;
  // GCM: header | ciphertext | tag | E||index. AES-CM: header | ciphertext | E||index | tag.
  const size_t trailerAt = gcm ? size - kSrtcpIndexSize : size - kCmTagSize - kSrtcpIndexSize;
  const size_t tagAt = gcm ? trailerAt - kGcmTagSize : size - kCmTagSize;
  const size_t payloadEnd = gcm ? tagAt : trailerAt;
  const uint32_t trailer = ByteOrder::read32(data + trailerAt);
  // E = 0 (authenticated but not encrypted) is legal SRTCP, but no WebRTC peer sends it
  // and taking it would let a peer turn confidentiality off; refuse it.
  if (!(trailer & kSrtcpEncryptedFlag)) return false;
  const uint32_t index = trailer & kMaxSrtcpIndex;
  const uint32_t ssrc = ByteOrder::read32(data + 4);
  int slot = find(ssrc);
  if (slot < 0 && usedStreams_ == streams_.size()) {
    ++refusedSsrcPackets_;
    return false;
  }
  if (slot >= 0 && !replay_[static_cast<size_t>(slot)].rtcp.fresh(index)) return false;

  if (gcm) {
    uint8_t iv[kGcmIvSize] = {};
    ByteOrder::write32(iv + 2, ssrc);
    ByteOrder::write32(iv + 8, index);
    for (size_t i = 0; i < kGcmIvSize; ++i) iv[i] ^= rtcp_.salt[i];
    if (!gcmOpen(rtcp_, iv, data, kRtcpHeaderSize, data + trailerAt, kSrtcpIndexSize,
                 data + kRtcpHeaderSize, payloadEnd - kRtcpHeaderSize, data + tagAt))
      return false;
  } else {
    uint8_t tag[HmacSha1::kTagSize];
    rtcp_.auth.compute({data, tagAt}, {}, tag);
    if (CRYPTO_memcmp(tag, data + tagAt, kCmTagSize) != 0) return false;
    if (!cmCrypt(rtcp_, ssrc, index, data + kRtcpHeaderSize, payloadEnd - kRtcpHeaderSize))
      return false;
  }
  size = payloadEnd;
  if (slot < 0) slot = findOrAdd(ssrc);  // a free slot was checked for above
  replay_[static_cast<size_t>(slot)].rtcp.accept(index);
  return true;
}

}  // namespace parley::media::srtp
