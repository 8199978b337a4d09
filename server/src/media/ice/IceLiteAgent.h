#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "media/net/SocketAddress.h"
#include "media/stun/StunMessage.h"

namespace parley::media::ice {

// The controlled side of ICE-lite (RFC 8445 §2.5) for one transport: answers the browser's
// connectivity checks, learns its addresses (peer-reflexive when not signalled), follows its
// nomination, and tracks consent freshness (RFC 7675). It never sends checks itself.
class IceLiteAgent {
 public:
  static constexpr int64_t kConsentTimeoutMs = 30000;

  IceLiteAgent(std::string localUfrag, std::string localPassword)
      : localUfrag_(std::move(localUfrag)),
        localPassword_(std::move(localPassword)),
        localKey_(localPassword_) {}

  const std::string& localUfrag() const { return localUfrag_; }
  const std::string& localPassword() const { return localPassword_; }
  // The remote ufrag from the peer's description; until it is known only the local half of
  // USERNAME is checked (checks can arrive before the answer is signalled).
  void setRemoteUfrag(std::string ufrag) { remoteUfrag_ = std::move(ufrag); }
  // An ICE restart: new local credentials; the selected address stays until a new one.
  void restart(std::string localUfrag, std::string localPassword, std::string remoteUfrag);

  struct Outcome {
    size_t responseSize = 0;  // bytes written to `out` (0: nothing to send)
    bool valid = false;       // authenticated check: `from` is a usable address
    bool selectedChanged = false;
  };
  // Handles one Binding request from `from`, writing the response to `out`.
  Outcome handleRequest(const stun::StunMessage& request, const net::SocketAddress& from,
                        uint8_t* out, size_t capacity, int64_t nowMs);

  bool hasSelected() const { return hasSelected_; }
  const net::SocketAddress& selected() const { return selected_; }
  // Asks the CPU to fetch what a send reads: the selected address and whether there is one.
  void prefetchSelected() const {
    __builtin_prefetch(&selected_);
    __builtin_prefetch(&hasSelected_);
  }
  bool consentExpired(int64_t nowMs) const {
    return lastConsentMs_ != 0 && nowMs - lastConsentMs_ > kConsentTimeoutMs;
  }
  int64_t lastConsentMs() const { return lastConsentMs_; }
  uint64_t rejectedChecks() const { return rejected_; }

 private:
  std::string localUfrag_;
  std::string localPassword_;
  stun::IntegrityKey localKey_;  // localPassword_'s, for every check and answer
  std::string remoteUfrag_;
  net::SocketAddress selected_;
  bool hasSelected_ = false;
  bool nominated_ = false;
  int64_t lastConsentMs_ = 0;
  uint64_t rejected_ = 0;
};

}  // namespace parley::media::ice
