#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "media/dtls/DtlsCertificate.h"
#include "media/dtls/DtlsRole.h"
#include "media/srtp/SrtpProfile.h"

namespace parley::media::dtls {

// A DTLS 1.2 endpoint for DTLS-SRTP (RFC 5763/5764) over a datagram path the caller owns:
// incoming datagrams go to receive(), outgoing ones come out of Listener::onDtlsSend, and
// the caller drives retransmissions with timeout()/handleTimeout(). No sockets, no threads;
// one transport is used from one thread (different transports may live on different threads).
//
// The peer is authenticated by the certificate fingerprint from its SDP, not by a CA. The
// fingerprint is checked as soon as the peer's certificate arrives when it is already known
// (a mismatch then aborts the handshake with a fatal alert), and always again at handshake
// end. Once connected the transport only hands out SRTP keys: application data (data
// channels) is read and dropped.
class DtlsTransport {
 public:
  // Callbacks run synchronously inside start(), receive(), handleTimeout() and close().
  // onDtlsSend runs inside OpenSSL and must not call back into the transport. No callback
  // may destroy the transport; defer that to after the call returns.
  class Listener {
   public:
    virtual ~Listener() = default;
    // One datagram to send to the peer.
    virtual void onDtlsSend(const uint8_t* data, size_t size) = 0;
    // Handshake done and remote fingerprint verified. Key material per RFC 5764 §4.2 split
    // into our sending side (local) and the peer's (remote): each srtpKeyMaterialSize(profile)
    // bytes, key then salt. The spans are wiped after the call: copy what you keep.
    virtual void onDtlsConnected(srtp::SrtpProfile profile,
                                 std::span<const uint8_t> localKeyMaterial,
                                 std::span<const uint8_t> remoteKeyMaterial) = 0;
    // Handshake error, fingerprint mismatch, retransmission limit, fatal alert.
    virtual void onDtlsFailed(std::string_view reason) = 0;
    // The peer sent close_notify after connecting.
    virtual void onDtlsClosed() = 0;
  };

  enum class State { New, Connecting, Connected, Failed, Closed };

  // Largest datagram the transport sends; handshake flights are fragmented to fit.
  static constexpr size_t kMtu = 1200;
  // Retransmission timer: starts here for each flight and doubles up to the maximum; OpenSSL
  // gives up after about a dozen expiries for one flight (roughly half a minute).
  static constexpr std::chrono::milliseconds kInitialRetransmitTimeout{100};
  static constexpr std::chrono::milliseconds kMaxRetransmitTimeout{3200};

  // Throws std::runtime_error when OpenSSL cannot set up the connection (out of memory).
  DtlsTransport(std::shared_ptr<const DtlsCertificate> certificate, Listener& listener);
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // From SDP a=fingerprint (hash name like "sha-256", hex with colons, any case). Must be set
  // before the handshake completes; verification happens at handshake end at the latest.
  void setRemoteFingerprint(std::string hash, std::string hex);

  // SRTP profiles to offer (Client) or accept (Server), most preferred first; by default
  // AEAD_AES_128_GCM then AES128_CM_HMAC_SHA1_80. As a server OpenSSL picks by its own order.
  // Only before start(); false when called later, with an empty list or rejected by OpenSSL.
  bool setSrtpProfiles(std::span<const srtp::SrtpProfile> preferred);

  // Client: sends the ClientHello now. Server: waits for it. Only once; later calls are
  // ignored.
  void start(DtlsRole role);

  // One incoming DTLS datagram (any bytes: never crashes). Ignored before start() and after
  // Failed/Closed.
  void receive(const uint8_t* data, size_t size);

  // Retransmission: the time until handleTimeout() should be called, nullopt when no timer is
  // running. handleTimeout() before the timer expires does nothing.
  std::optional<std::chrono::milliseconds> timeout();
  void handleTimeout();

  // Sends close_notify if connected; the transport then ignores everything. No callback.
  void close();

  // Frees all of OpenSSL's state for this connection (about 40 KB: the handshake buffer it
  // keeps to retransmit a flight, the SSL object, the record ciphers, the peer's
  // certificate). Only for a caller that knows the peer has finished its handshake too —
  // it sent SRTP protected with the exported keys — so that it will never retransmit its
  // last flight, the one thing a connected DTLS-SRTP endpoint must answer. What could still
  // come (alerts, application data) is then dropped unread: a peer that goes away is
  // noticed by ICE consent instead of close_notify. The state stays Connected. Nothing
  // unless Connected.
  void release();
  bool released() const { return ssl_ == nullptr; }
  // Whether a datagram is shaped like a DTLS 1.2 alert record of an encrypted epoch (what a
  // closing peer sends: close_notify), without reading it: after release() nothing can.
  static bool looksLikeAlert(const uint8_t* data, size_t size);

  State state() const { return state_; }
  std::optional<DtlsRole> role() const;
  // The negotiated profile once connected (kept after Closed).
  std::optional<srtp::SrtpProfile> profile() const { return profile_; }

 private:
  struct Callbacks;  // OpenSSL glue (BIO, verify, timer, shared SSL_CTX), in the .cpp

  void continueHandshake();
  void completeHandshake();
  void drainRecords();
  // Once connected the record layer's buffers exist only around a call into OpenSSL.
  bool holdBuffers();
  void releaseBuffers();
  bool peerMatches(X509* cert) const;
  // Ends a handshake that OpenSSL considers finished: close_notify to the peer, then fail.
  void abandon(std::string_view reason);
  void fail(std::string_view reason);

  std::shared_ptr<const DtlsCertificate> certificate_;
  Listener& listener_;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // owned by ssl_
  State state_ = State::New;
  DtlsRole role_ = DtlsRole::Server;
  std::optional<srtp::SrtpProfile> profile_;
  std::string remoteHash_;
  std::string remoteHex_;
  bool fingerprintRejected_ = false;
};

}  // namespace parley::media::dtls
