#include "media/srtp/SrtpSession.h"

#include <srtp2/srtp.h>

#include <array>
#include <cstring>
#include <mutex>

namespace parley::media::srtp {

namespace {

constexpr size_t kRtpHeaderSize = 12;
constexpr size_t kRtcpHeaderSize = 8;
constexpr size_t kSrtcpIndexSize = 4;
// libsrtp takes int lengths; RTP over UDP never exceeds this anyway.
constexpr size_t kMaxPacketSize = 65535;

// The result of srtp_init(), which must run once per process before any srtp_create().
srtp_err_status_t initLibrary() {
  static std::once_flag once;
  static srtp_err_status_t status = srtp_err_status_fail;
  std::call_once(once, [] { status = srtp_init(); });
  return status;
}

// Bytes covered by the fixed header, the CSRCs and the header extension, or 0 when they do
// not fit in `size` (libsrtp would otherwise read past the packet).
size_t rtpHeaderLength(const uint8_t* data, size_t size) {
  if (size < kRtpHeaderSize || (data[0] >> 6) != 2) return 0;
  size_t length = kRtpHeaderSize + 4 * static_cast<size_t>(data[0] & 0x0F);
  if (data[0] & 0x10) {
    if (length + 4 > size) return 0;
    const size_t words = (static_cast<size_t>(data[length + 2]) << 8) | data[length + 3];
    length += 4 + 4 * words;
  }
  return length <= size ? length : 0;
}

bool isRtcpVersion2(const uint8_t* data) {
  return (data[0] >> 6) == 2;
}

void wipe(uint8_t* data, size_t size) {
  // volatile so the compiler cannot drop the stores to a buffer that dies right after.
  volatile uint8_t* p = data;
  for (size_t i = 0; i < size; ++i) p[i] = 0;
}

const char* statusName(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_bad_param:
      return "bad parameter";
    case srtp_err_status_alloc_fail:
      return "allocation failed";
    case srtp_err_status_init_fail:
      return "init failed";
    case srtp_err_status_cipher_fail:
      return "cipher failure";
    case srtp_err_status_no_such_op:
      return "unsupported operation";
    default:
      return "libsrtp error";
  }
}

}  // namespace

std::unique_ptr<SrtpSession> SrtpSession::create(SrtpProfile profile, Direction direction,
                                                 std::span<const uint8_t> keyMaterial,
                                                 std::string* error) {
  auto failWith = [error](std::string message) -> std::unique_ptr<SrtpSession> {
    if (error) *error = std::move(message);
    return nullptr;
  };
  if (const srtp_err_status_t s = initLibrary(); s != srtp_err_status_ok)
    return failWith(std::string("srtp_init: ") + statusName(s));
  const size_t expected = srtpKeyMaterialSize(profile);
  if (keyMaterial.size() != expected)
    return failWith("SRTP key material must be " + std::to_string(expected) + " bytes, got " +
                    std::to_string(keyMaterial.size()));

  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  if (profile == SrtpProfile::AeadAes128Gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
  }
  // One wildcard stream per direction: every SSRC the transport carries shares the keys.
  policy.ssrc.type = direction == Direction::Inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.ssrc.value = 0;
  // libsrtp wants a writable key; it derives session keys in srtp_create and keeps no pointer.
  std::array<uint8_t, 32> key{};
  std::memcpy(key.data(), keyMaterial.data(), keyMaterial.size());
  policy.key = key.data();
  // Video reorders more than the default 128-packet window at high bit rates.
  policy.window_size = 1024;
  // The SFU re-sends packets with their original sequence numbers to answer NACKs.
  policy.allow_repeat_tx = 1;
  policy.next = nullptr;

  srtp_t ctx = nullptr;
  const srtp_err_status_t status = srtp_create(&ctx, &policy);
  wipe(key.data(), key.size());
  if (status != srtp_err_status_ok) {
    if (ctx) srtp_dealloc(ctx);
    return failWith(std::string("srtp_create: ") + statusName(status));
  }
  return std::unique_ptr<SrtpSession>(new SrtpSession(profile, direction, ctx));
}

SrtpSession::SrtpSession(SrtpProfile profile, Direction direction, srtp_ctx_t_* ctx)
    : profile_(profile),
      direction_(direction),
      tagSize_(profile == SrtpProfile::AeadAes128Gcm ? 16 : 10),
      ctx_(ctx) {}

SrtpSession::~SrtpSession() {
  srtp_dealloc(ctx_);
}

bool SrtpSession::protectRtp(uint8_t* data, size_t& size, size_t capacity) {
  if (direction_ != Direction::Outbound || !data || size > kMaxPacketSize ||
      capacity < size + kMaxTrailer || rtpHeaderLength(data, size) == 0)
    return false;
  int length = static_cast<int>(size);
  if (srtp_protect(ctx_, data, &length) != srtp_err_status_ok) return false;
  size = static_cast<size_t>(length);
  return true;
}

bool SrtpSession::protectRtcp(uint8_t* data, size_t& size, size_t capacity) {
  if (direction_ != Direction::Outbound || !data || size < kRtcpHeaderSize ||
      size > kMaxPacketSize || capacity < size + kMaxTrailer || !isRtcpVersion2(data))
    return false;
  int length = static_cast<int>(size);
  if (srtp_protect_rtcp(ctx_, data, &length) != srtp_err_status_ok) return false;
  size = static_cast<size_t>(length);
  return true;
}

bool SrtpSession::unprotectRtp(uint8_t* data, size_t& size) {
  if (direction_ != Direction::Inbound || !data || size > kMaxPacketSize) return false;
  const size_t header = rtpHeaderLength(data, size);
  if (header == 0 || size < header + tagSize_) return false;
  int length = static_cast<int>(size);
  if (srtp_unprotect(ctx_, data, &length) != srtp_err_status_ok) return false;
  size = static_cast<size_t>(length);
  return true;
}

bool SrtpSession::unprotectRtcp(uint8_t* data, size_t& size) {
  if (direction_ != Direction::Inbound || !data || size > kMaxPacketSize ||
      size < kRtcpHeaderSize + kSrtcpIndexSize + tagSize_ || !isRtcpVersion2(data))
    return false;
  int length = static_cast<int>(size);
  if (srtp_unprotect_rtcp(ctx_, data, &length) != srtp_err_status_ok) return false;
  size = static_cast<size_t>(length);
  return true;
}

}  // namespace parley::media::srtp
