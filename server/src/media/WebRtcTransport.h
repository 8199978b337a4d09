#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "media/TransportDescription.h"
#include "media/dtls/DtlsCertificate.h"
#include "media/dtls/DtlsTransport.h"
#include "media/ice/IceLiteAgent.h"
#include "media/net/PacketSink.h"
#include "media/net/SocketAddress.h"
#include "media/rtp/RtpPacket.h"
#include "media/srtp/SrtpSession.h"
#include "media/stun/StunMessage.h"

namespace parley::media {

// One browser peer connection at the SFU: ICE-lite, DTLS-SRTP, and the secure RTP/RTCP
// in and out of it. Lives on one media worker; everything runs on that worker's thread.
class WebRtcTransport final : public dtls::DtlsTransport::Listener {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onTransportConnected(WebRtcTransport& t) = 0;
    // DTLS failed or was closed, or consent expired. The owner removes the transport
    // later (not inside this call).
    virtual void onTransportClosed(WebRtcTransport& t, std::string_view reason) = 0;
    // A decrypted RTP packet, writable in place.
    virtual void onRtp(WebRtcTransport& t, rtp::RtpPacket& packet, int64_t nowUs) = 0;
    virtual void onRtcp(WebRtcTransport& t, const uint8_t* data, size_t size, int64_t nowUs) = 0;
  };

  // The owner of the address → transport map (the worker): told whenever the transport starts
  // or stops answering to a remote address, so the map holds exactly the transport's tuples.
  class TupleListener {
   public:
    virtual void onTupleAdded(WebRtcTransport& t, const net::SocketAddress& address) = 0;
    virtual void onTupleRemoved(WebRtcTransport& t, const net::SocketAddress& address) = 0;
    // The transport is being destroyed while still registered (a missed unregistration).
    virtual void onTransportDestroyed(WebRtcTransport& t) = 0;

   protected:
    ~TupleListener() = default;
  };

  // Remote addresses kept at once. A browser checks a handful of candidate pairs; any
  // authenticated address beyond this replaces the least recently checked one (never the
  // selected one), so a peer cannot grow the worker's map.
  static constexpr size_t kMaxTuples = 8;

  struct Stats {
    uint64_t packetsIn = 0, bytesIn = 0, packetsOut = 0, bytesOut = 0;
    uint64_t srtpErrors = 0, stunRequests = 0;
  };

  WebRtcTransport(std::string id, std::string localUfrag, std::string localPassword,
                  std::shared_ptr<const dtls::DtlsCertificate> certificate, net::PacketSink& sink);
  ~WebRtcTransport() override;

  const std::string& id() const { return id_; }
  // The owner (publication or subscription) that gets this transport's news.
  void setListener(Listener& listener) { listener_ = &listener; }
  // Frees OpenSSL's state for the connection (DtlsTransport::release, about 40 KB) once the
  // peer's first authentic SRTP or SRTCP packet shows its handshake is over. Its later
  // close_notify then goes unseen: only for transports whose peer's leaving other news
  // reports (a subscriber's client unsubscribes or its socket closes; ICE consent after
  // 30 s otherwise). Subscriptions, which are many, set it; publications, few and WHIP
  // publishers among them, keep close_notify.
  void freeDtlsOnceUp() { freeDtlsOnceUp_ = true; }
  bool dtlsFreed() const { return dtls_->released(); }
  // What stands in for that close_notify: once DTLS is freed, a datagram shaped like an
  // alert from the peer, followed by nothing authentic (a valid ICE check, SRTP, SRTCP) for
  // this long, closes the transport. A live peer checks ICE consent at least every 6 s
  // (RFC 7675), so a forged alert cannot close it.
  static constexpr int64_t kQuietAfterAlertMs = 7000;
  const std::string& localUfrag() const { return ice_.localUfrag(); }
  // The browser's side (from its offer or answer); starts DTLS in the role it implies.
  void setRemote(const TransportDescription& remote);
  // Set by the worker on registration (nullptr on unregistration). A new listener is told of
  // the tuples the transport already has.
  void setTupleListener(TupleListener* listener);
  // The validated remote addresses, most recently added last (order is not meaningful).
  size_t tupleCount() const { return tupleCount_; }
  const net::SocketAddress& tuple(size_t i) const { return tuples_[i].address; }
  bool hasTuple(const net::SocketAddress& address) const { return findTuple(address.key()) >= 0; }
  // Stops answering to `address` (the listener is told); no-op when it is not a tuple.
  void forgetTuple(const net::SocketAddress& address);
  // Forgets every tuple (the listener is told of each).
  void forgetTuples();
  // ICE restart: new local credentials and the peer's new ufrag.
  void restartIce(std::string localUfrag, std::string localPassword,
                  const TransportDescription& remote);

  // Worker dispatch. onStun returns true when `from` is a validated address of this peer
  // (it is then one of the tuples).
  bool onStun(const stun::StunMessage& request, const net::SocketAddress& from, int64_t nowMs);
  void onDtls(const uint8_t* data, size_t size, const net::SocketAddress& from);
  void onSrtp(uint8_t* data, size_t size, bool isRtcp, const net::SocketAddress& from,
              int64_t nowUs);

  // Sending: reserve() a slot, write the clear packet into it, then sendRtp/sendRtcp
  // protects it in place and queues it. False when not connected (the slot is dropped).
  uint8_t* reserve() { return sink_.reserve(); }
  bool sendRtp(uint8_t* slot, size_t size);
  // Asks the CPU to fetch what sendRtp reads (Router::route fetches ahead): stage 0 this
  // object's fields, stage 1 those of the SRTP session it points to.
  void prefetchSend(int stage) const {
    if (stage == 0) {
      __builtin_prefetch(&srtpOut_);
      __builtin_prefetch(&stats_);
      ice_.prefetchSelected();
    } else if (srtpOut_) {
      srtpOut_->prefetchProtect();
    }
  }
  bool sendRtcp(uint8_t* slot, size_t size);

  // Timers: DTLS retransmission and consent freshness.
  void tick(int64_t nowMs);

  bool connected() const { return srtpOut_ != nullptr && srtpIn_ != nullptr; }
  bool closed() const { return closed_; }
  const Stats& stats() const { return stats_; }
  std::string selectedAddress() const {
    return ice_.hasSelected() ? ice_.selected().toString() : "";
  }
  std::optional<srtp::SrtpProfile> srtpProfile() const { return profile_; }

  // DtlsTransport::Listener
  void onDtlsSend(const uint8_t* data, size_t size) override;
  void onDtlsConnected(srtp::SrtpProfile profile, std::span<const uint8_t> localKeyMaterial,
                       std::span<const uint8_t> remoteKeyMaterial) override;
  void onDtlsFailed(std::string_view reason) override;
  void onDtlsClosed() override;

 private:
  struct Tuple {
    net::SocketAddress address;
    net::SocketAddress::Key key;
    uint64_t lastUse = 0;  // tupleClock_ at the last authenticated check
  };

  void close(std::string_view reason);
  int findTuple(const net::SocketAddress::Key& key) const;
  void addTuple(const net::SocketAddress& address);
  void removeTupleAt(size_t i);

  std::string id_;
  ice::IceLiteAgent ice_;
  std::shared_ptr<const dtls::DtlsCertificate> certificate_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  net::PacketSink& sink_;
  Listener* listener_ = nullptr;
  std::unique_ptr<srtp::SrtpSession> srtpIn_;
  std::unique_ptr<srtp::SrtpSession> srtpOut_;
  std::optional<srtp::SrtpProfile> profile_;
  bool dtlsStarted_ = false;
  bool freeDtlsOnceUp_ = false;
  uint64_t authentic_ = 0;     // valid ICE checks, SRTP and SRTCP packets so far
  bool alertSeen_ = false;     // after DTLS was freed (kQuietAfterAlertMs)
  int64_t alertSeenAtMs_ = 0;  // the tick that noticed it
  uint64_t authenticAtAlert_ = 0;
  dtls::DtlsRole role_ = dtls::DtlsRole::Server;
  bool closed_ = false;
  Stats stats_;
  TupleListener* tupleListener_ = nullptr;
  std::array<Tuple, kMaxTuples> tuples_{};
  size_t tupleCount_ = 0;
  uint64_t tupleClock_ = 0;
};

}  // namespace parley::media
