// StunMessage::parse on arbitrary input: every accessor must stay in bounds, and a
// Binding success built for a parsed request must parse back with valid checks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "media/Demux.h"
#include "media/stun/StunMessage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::media::stun::StunMessage;
  (void)parley::media::Demux::classify(data, size);
  const auto m = StunMessage::parse(data, size);
  if (!m) return 0;
  (void)m->type();
  size_t sum = 0;
  if (auto u = m->username()) sum += u->size();
  if (auto e = m->errorCode()) sum += e->reason.size() + e->code;
  (void)m->priority();
  (void)m->iceControlling();
  (void)m->iceControlled();
  (void)m->useCandidate();
  (void)m->checkFingerprint();
  (void)m->checkIntegrity("fuzz-password");
  StunMessage::Address mapped;
  if (auto a = m->xorMappedAddress()) mapped = *a;
  if (mapped.family != 4 && mapped.family != 6) {
    mapped.family = 4;
    mapped.port = 9;
  }
  uint8_t out[128];
  const size_t n =
      StunMessage::buildBindingSuccess(out, sizeof out, m->transactionId(), mapped, "key");
  if (n == 0) std::abort();
  const auto back = StunMessage::parse(out, n);
  if (!back || !back->checkFingerprint() || !back->checkIntegrity("key") ||
      std::memcmp(back->transactionId(), m->transactionId(), 12) != 0)
    std::abort();
  const auto a = back->xorMappedAddress();
  if (!a || a->family != mapped.family || a->port != mapped.port || a->ip != mapped.ip)
    std::abort();
  if (auto e = m->errorCode()) {
    const size_t k = StunMessage::buildBindingError(out, sizeof out, m->transactionId(), e->code,
                                                    e->reason.substr(0, 60), "key");
    const auto err = StunMessage::parse(out, k);
    if (!err || !err->errorCode() || err->errorCode()->code != e->code ||
        !err->checkFingerprint() || !err->checkIntegrity("key"))
      std::abort();
  }
  return sum == SIZE_MAX ? 1 : 0;
}
