#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "media/srtp/SrtpProfile.h"

// libsrtp's session type, kept out of this header so that includers never see libsrtp.
struct srtp_ctx_t_;

namespace parley::media::srtp {

// One direction of SRTP/SRTCP for one transport: an Outbound session protects everything
// the SFU sends on it, an Inbound session unprotects everything it receives, whatever the
// SSRC. The only place that talks to libsrtp.
//
// Creation is thread-safe; afterwards a session belongs to one thread. Packet calls work in
// place and never allocate (libsrtp allocates once per new SSRC it sees). Buffers should be
// 4-byte aligned, as libsrtp reads the header in 32-bit words.
class SrtpSession {
 public:
  enum class Direction { Inbound, Outbound };

  // Room a protect() call needs past the packet: SRTCP index (4) + auth tag (16 max).
  static constexpr size_t kMaxTrailer = 20;

  // keyMaterial = master key followed by master salt, srtpKeyMaterialSize(profile) bytes.
  // Returns nullptr (and sets *error when given) on a wrong size or a libsrtp failure.
  static std::unique_ptr<SrtpSession> create(SrtpProfile profile, Direction direction,
                                             std::span<const uint8_t> keyMaterial,
                                             std::string* error = nullptr);
  ~SrtpSession();

  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  SrtpProfile profile() const { return profile_; }
  Direction direction() const { return direction_; }

  // In place. `size` grows by the trailer; the buffer must have capacity >= size +
  // kMaxTrailer, else false. Also false on a malformed header or on an Inbound session.
  // Protecting the same RTP sequence number again is allowed (NACK retransmissions).
  bool protectRtp(uint8_t* data, size_t& size, size_t capacity);
  bool protectRtcp(uint8_t* data, size_t& size, size_t capacity);

  // In place; `size` shrinks. False on auth failure, replay, malformed input or an Outbound
  // session (never crashes on any bytes).
  bool unprotectRtp(uint8_t* data, size_t& size);
  bool unprotectRtcp(uint8_t* data, size_t& size);

 private:
  SrtpSession(SrtpProfile profile, Direction direction, srtp_ctx_t_* ctx);

  SrtpProfile profile_;
  Direction direction_;
  size_t tagSize_;
  srtp_ctx_t_* ctx_;
};

}  // namespace parley::media::srtp
