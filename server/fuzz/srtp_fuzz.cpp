// SrtpSession on arbitrary datagrams. Input: one flags byte (bit 0: AEAD_AES_128_GCM rather
// than AES_CM_128_HMAC_SHA1_80; bit 1: the datagrams are clear packets, see below), then
// datagrams as [2-byte big-endian length][bytes]; a last datagram shorter than its length
// takes what is left. Sessions are fresh per input and keyed with a fixed key, so that the
// seeds (protected with it) get past authentication and reach the ROC and replay logic.
//
// Wire mode: each datagram, in an exactly sized copy, goes to an Inbound session's
// unprotectRtp and (another copy) unprotectRtcp. Nothing may crash or read or write out of
// bounds, and a success must shrink the packet by a whole trailer.
// Clear mode: each datagram is protected by an Outbound session (in a buffer of exactly
// size + kMaxTrailer) and unprotected by an Inbound one with the same key; whatever the
// sequence numbers and SSRCs do, an accepted packet must come out as it went in.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "media/srtp/SrtpSession.h"

namespace {

using parley::media::srtp::SrtpProfile;
using parley::media::srtp::SrtpSession;

std::vector<uint8_t> fuzzKey(SrtpProfile profile) {
  std::vector<uint8_t> key(parley::media::srtp::srtpKeyMaterialSize(profile));
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x40 + i);
  return key;
}

void wire(SrtpSession& in, const uint8_t* data, size_t size) {
  const size_t tag = in.profile() == SrtpProfile::AeadAes128Gcm ? 16 : 10;
  std::vector<uint8_t> rtp(data, data + size);
  size_t n = size;
  if (in.unprotectRtp(rtp.data(), n) && n + tag != size) std::abort();
  std::vector<uint8_t> rtcp(data, data + size);
  n = size;
  if (in.unprotectRtcp(rtcp.data(), n) && n + tag + 4 != size) std::abort();
}

void clear(SrtpSession& out, SrtpSession& in, const uint8_t* data, size_t size) {
  for (bool rtcp : {false, true}) {
    std::vector<uint8_t> buffer(size + SrtpSession::kMaxTrailer);
    if (size > 0) std::memcpy(buffer.data(), data, size);
    size_t n = size;
    const bool protectedOk = rtcp ? out.protectRtcp(buffer.data(), n, buffer.size())
                                  : out.protectRtp(buffer.data(), n, buffer.size());
    if (!protectedOk) {
      if (n != size) std::abort();
      continue;
    }
    if (n <= size || n > size + SrtpSession::kMaxTrailer) std::abort();
    buffer.resize(n);  // exactly the protected packet, so that overreads show
    const bool ok = rtcp ? in.unprotectRtcp(buffer.data(), n) : in.unprotectRtp(buffer.data(), n);
    if (ok && (n != size || std::memcmp(buffer.data(), data, size) != 0)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const SrtpProfile profile =
      data[0] & 1 ? SrtpProfile::AeadAes128Gcm : SrtpProfile::AesCm128HmacSha1_80;
  const bool clearMode = data[0] & 2;
  const auto key = fuzzKey(profile);
  auto in = SrtpSession::create(profile, SrtpSession::Direction::Inbound, key);
  auto out = SrtpSession::create(profile, SrtpSession::Direction::Outbound, key);
  if (!in || !out) std::abort();
  size_t at = 1;
  while (at + 2 <= size) {
    size_t length = (static_cast<size_t>(data[at]) << 8) | data[at + 1];
    at += 2;
    if (length > size - at) length = size - at;
    if (clearMode) {
      clear(*out, *in, data + at, length);
    } else {
      wire(*in, data + at, length);
    }
    at += length;
  }
  return 0;
}
