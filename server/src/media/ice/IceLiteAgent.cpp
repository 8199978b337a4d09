#include "media/ice/IceLiteAgent.h"

namespace parley::media::ice {

using stun::StunMessage;

void IceLiteAgent::restart(std::string localUfrag, std::string localPassword,
                           std::string remoteUfrag) {
  localUfrag_ = std::move(localUfrag);
  localPassword_ = std::move(localPassword);
  localKey_ = stun::IntegrityKey(localPassword_);
  remoteUfrag_ = std::move(remoteUfrag);
  nominated_ = false;
}

IceLiteAgent::Outcome IceLiteAgent::handleRequest(const StunMessage& request,
                                                  const net::SocketAddress& from, uint8_t* out,
                                                  size_t capacity, int64_t nowMs) {
  Outcome o;
  if (request.type() != StunMessage::kBindingRequest) return o;
  // A wrong FINGERPRINT means it is not STUN at all: discarded silently (RFC 8489 §7.3).
  if (request.hasFingerprint() && !request.checkFingerprint()) {
    ++rejected_;
    return o;
  }
  auto username = request.username();
  // USERNAME is "<our ufrag>:<their ufrag>" (RFC 8445 §7.2.2).
  bool userOk = false;
  if (username) {
    auto colon = username->find(':');
    if (colon != std::string_view::npos && username->substr(0, colon) == localUfrag_)
      userOk = remoteUfrag_.empty() || username->substr(colon + 1) == remoteUfrag_;
  }
  if (!userOk || !request.hasMessageIntegrity() || !request.checkIntegrity(localKey_)) {
    ++rejected_;
    // 401 for a wrong user or integrity (RFC 8489 §9.1.3); unauthenticated, so unsigned.
    if (username && request.hasMessageIntegrity())
      o.responseSize = StunMessage::buildBindingError(out, capacity, request.transactionId(), 401,
                                                      "Unauthorized");
    else
      o.responseSize = StunMessage::buildBindingError(out, capacity, request.transactionId(), 400,
                                                      "Bad Request");
    return o;
  }
  // A lite agent is always controlled; a peer that also claims to be controlled has a role
  // conflict it must resolve (RFC 8445 §7.3.1.1).
  if (!request.iceControlling() && request.iceControlled()) {
    o.responseSize = StunMessage::buildBindingError(out, capacity, request.transactionId(), 487,
                                                    "Role Conflict", localKey_);
    return o;
  }
  o.valid = true;
  lastConsentMs_ = nowMs;
  // Nominated pair wins; before any nomination the first valid address carries media so
  // DTLS can start as soon as the browser does.
  if (request.useCandidate()) {
    if (!hasSelected_ || !(selected_ == from)) o.selectedChanged = true;
    selected_ = from;
    hasSelected_ = true;
    nominated_ = true;
  } else if (!hasSelected_) {
    selected_ = from;
    hasSelected_ = true;
    o.selectedChanged = true;
  }
  o.responseSize = StunMessage::buildBindingSuccess(out, capacity, request.transactionId(),
                                                    from.toStun(), localKey_);
  return o;
}

}  // namespace parley::media::ice
