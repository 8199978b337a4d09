#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/srtp/HmacSha1.h"
#include "media/srtp/SrtpProfile.h"
#include "media/srtp/SrtpReplayWindow.h"

namespace parley::media::srtp {

// One direction of SRTP/SRTCP (RFC 3711, RFC 7714) for one transport: an Outbound session
// protects everything the SFU sends on it, an Inbound session unprotects everything it
// receives, whatever the SSRC. AES-CTR and AES-GCM are OpenSSL's EVP, keyed once at
// creation; HMAC-SHA1 is our own HmacSha1 (Sha1.h says why).
//
// Creation is thread-safe; afterwards a session belongs to one thread. Packet calls work in
// place and allocate only for an inbound SSRC's first packet (its replay windows): per-SSRC
// state lives in a fixed table of kMaxStreams SSRCs.
// State is never forgotten while the session lives: once the table is full, packets of a new
// SSRC are refused. (Forgetting one would reset its rollover counter and replay window, so
// replayed old packets of it would be taken again, and an outbound stream could reuse
// keystream.) Buffers need no particular alignment.
class SrtpSession {
 public:
  enum class Direction { Inbound, Outbound };

  // Room a protect() call needs past the packet: SRTCP index (4) + auth tag (16 max).
  static constexpr size_t kMaxTrailer = 20;
  // SSRCs a session takes. A transport carries one publication's tracks (audio, up to three
  // video layers and their RTX) or one subscription's, and a few RTCP senders: well below.
  static constexpr size_t kMaxStreams = 16;

  // keyMaterial = master key followed by master salt, srtpKeyMaterialSize(profile) bytes.
  // Returns nullptr (and sets *error when given) on a wrong size or an OpenSSL failure.
  static std::unique_ptr<SrtpSession> create(SrtpProfile profile, Direction direction,
                                             std::span<const uint8_t> keyMaterial,
                                             std::string* error = nullptr);
  ~SrtpSession();

  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  SrtpProfile profile() const { return profile_; }
  Direction direction() const { return direction_; }
  // Packets refused because the SSRC table was full.
  uint64_t refusedSsrcPackets() const { return refusedSsrcPackets_; }

  // In place. `size` grows by the trailer; the buffer must have capacity >= size +
  // kMaxTrailer, else false. Also false on a malformed header, on an Inbound session, and
  // for an SSRC beyond the kMaxStreams first ones.
  // Protecting the same RTP sequence number again is allowed (NACK retransmissions).
  bool protectRtp(uint8_t* data, size_t& size, size_t capacity);
  // Asks the CPU to fetch this object's fields protectRtp reads: the keys and the streams.
  void prefetchProtect() const {
    __builtin_prefetch(this);
    __builtin_prefetch(&rtp_);
    __builtin_prefetch(rtp_.salt.data());
    __builtin_prefetch(streams_.data());
  }
  bool protectRtcp(uint8_t* data, size_t& size, size_t capacity);

  // In place; `size` shrinks. False on auth failure, replay, malformed input, an Outbound
  // session or an SSRC beyond the kMaxStreams first ones (never crashes on any bytes). The
  // buffer's contents are unspecified after a failure.
  bool unprotectRtp(uint8_t* data, size_t& size);
  bool unprotectRtcp(uint8_t* data, size_t& size);

 private:
  // Session keys of one of SRTP and SRTCP (RFC 3711 §4.3).
  struct Keys {
    EVP_CIPHER_CTX* cipher = nullptr;  // AES-128-CTR or AES-128-GCM, key set, IV per packet
    HmacSha1 auth;                     // AES-CM profile only
    std::array<uint8_t, 14> salt{};    // 14 bytes (AES-CM) or the first 12 (GCM)
  };
  // What is known about one SSRC.
  struct Stream {
    uint32_t ssrc = 0;
    bool rtpStarted = false;
    uint16_t highestSeq = 0;  // s_l of RFC 3711 Appendix A
    uint32_t roc = 0;         // rollover counter belonging to highestSeq
  };
  // Inbound only, beside streams_[i] (kept apart so that the SSRC search stays in a few
  // cache lines).
  struct Replay {
    SrtpReplayWindow rtp;   // 48-bit packet indices
    SrtpReplayWindow rtcp;  // 31-bit SRTCP indices
  };

  SrtpSession(SrtpProfile profile, Direction direction);
  bool initKeys(Keys& keys, std::span<const uint8_t> masterKey, std::span<const uint8_t> masterSalt,
                bool rtcp);
  // The slot of `ssrc` in streams_, or -1.
  int find(uint32_t ssrc) const;
  // The slot of `ssrc`, taking a free one if it is new; -1 when the table is full.
  int findOrAdd(uint32_t ssrc);
  // The packet index of `seq` relative to what `stream` has seen (RFC 3711 §3.3.1 and
  // Appendix A); false when the rollover counter would leave 32 bits.
  static bool estimateIndex(const Stream* stream, uint16_t seq, uint64_t& index);
  static void advance(Stream& stream, uint64_t index);

  // AES-CM (RFC 3711 §4.1.1) on data[0..size) in place, for packet index `index`.
  static bool cmCrypt(const Keys& keys, uint32_t ssrc, uint64_t index, uint8_t* data, size_t size);
  // Sets the next packet's 12-byte GCM IV on a context keyed at setup.
  static bool gcmSetIv(EVP_CIPHER_CTX* ctx, const uint8_t* iv);
  // AES-GCM with a 12-byte IV: the associated data is aad1 then aad2; data[0..size) is
  // en- or decrypted in place; the 16-byte tag is written (seal) or checked (open).
  static bool gcmSeal(const Keys& keys, const uint8_t* iv, const uint8_t* aad1, size_t aad1Size,
                      const uint8_t* aad2, size_t aad2Size, uint8_t* data, size_t size,
                      uint8_t* tag);
  static bool gcmOpen(const Keys& keys, const uint8_t* iv, const uint8_t* aad1, size_t aad1Size,
                      const uint8_t* aad2, size_t aad2Size, uint8_t* data, size_t size,
                      const uint8_t* tag);

  SrtpProfile profile_;
  Direction direction_;
  size_t tagSize_;
  Keys rtp_;
  Keys rtcp_;
  std::array<Stream, kMaxStreams> streams_{};
  // Inbound only, one per used stream: a subscriber's inbound session sees one or two SSRCs
  // and a replay window pair is 288 bytes.
  std::vector<Replay> replay_;
  size_t usedStreams_ = 0;  // streams_[0, usedStreams_) are taken, in arrival order
  uint64_t refusedSsrcPackets_ = 0;
  // Outbound: the next SRTCP index. One counter for all SSRCs keeps every (SSRC, index)
  // pair unique without per-SSRC state that a table eviction could reset.
  uint32_t nextSrtcpIndex_ = 0;
};

}  // namespace parley::media::srtp
