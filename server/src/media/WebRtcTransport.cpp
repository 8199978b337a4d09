#include "media/WebRtcTransport.h"

#include <cstring>

#include "obs/Logger.h"

namespace parley::media {

using obs::Logger;

WebRtcTransport::WebRtcTransport(std::string id, std::string localUfrag, std::string localPassword,
                                 std::shared_ptr<const dtls::DtlsCertificate> certificate,
                                 net::PacketSink& sink)
    : id_(std::move(id)),
      ice_(std::move(localUfrag), std::move(localPassword)),
      certificate_(std::move(certificate)),
      dtls_(std::make_unique<dtls::DtlsTransport>(certificate_, *this)),
      sink_(sink) {}

WebRtcTransport::~WebRtcTransport() {
  // Whatever the owner missed: no ufrag or address may lead to this transport once it is gone.
  if (tupleListener_) tupleListener_->onTransportDestroyed(*this);
  forgetTuples();
}

void WebRtcTransport::setTupleListener(TupleListener* listener) {
  if (listener == tupleListener_) return;
  tupleListener_ = listener;
  if (listener)
    for (size_t i = 0; i < tupleCount_; ++i) listener->onTupleAdded(*this, tuples_[i].address);
}

int WebRtcTransport::findTuple(const net::SocketAddress::Key& key) const {
  for (size_t i = 0; i < tupleCount_; ++i)
    if (tuples_[i].key == key) return static_cast<int>(i);
  return -1;
}

void WebRtcTransport::addTuple(const net::SocketAddress& address) {
  const auto key = address.key();
  if (const int found = findTuple(key); found >= 0) {
    tuples_[static_cast<size_t>(found)].lastUse = ++tupleClock_;
    return;
  }
  if (tupleCount_ == kMaxTuples) {
    // The least recently checked one goes, unless it carries the media (the selected pair).
    const bool hasSelected = ice_.hasSelected();
    const auto selected = hasSelected ? ice_.selected().key() : net::SocketAddress::Key{};
    size_t victim = kMaxTuples;
    for (size_t i = 0; i < tupleCount_; ++i) {
      if (hasSelected && tuples_[i].key == selected) continue;
      if (victim == kMaxTuples || tuples_[i].lastUse < tuples_[victim].lastUse) victim = i;
    }
    removeTupleAt(victim);
  }
  Tuple& t = tuples_[tupleCount_++];
  t.address = address;
  t.key = key;
  t.lastUse = ++tupleClock_;
  if (tupleListener_) tupleListener_->onTupleAdded(*this, address);
}

void WebRtcTransport::removeTupleAt(size_t i) {
  const net::SocketAddress address = tuples_[i].address;
  tuples_[i] = tuples_[tupleCount_ - 1];
  --tupleCount_;
  if (tupleListener_) tupleListener_->onTupleRemoved(*this, address);
}

void WebRtcTransport::forgetTuple(const net::SocketAddress& address) {
  if (const int found = findTuple(address.key()); found >= 0)
    removeTupleAt(static_cast<size_t>(found));
}

void WebRtcTransport::forgetTuples() {
  while (tupleCount_ > 0) removeTupleAt(tupleCount_ - 1);
}

void WebRtcTransport::setRemote(const TransportDescription& remote) {
  ice_.setRemoteUfrag(remote.iceUfrag);
  dtls_->setRemoteFingerprint(remote.fingerprintHash, remote.fingerprint);
  role_ = remote.dtlsRole;
  if (!dtlsStarted_ && role_ == dtls::DtlsRole::Server) {
    dtlsStarted_ = true;
    dtls_->start(role_);
  }
  // As client we wait for a validated address to send the ClientHello to.
  if (!dtlsStarted_ && ice_.hasSelected()) {
    dtlsStarted_ = true;
    dtls_->start(role_);
  }
}

void WebRtcTransport::restartIce(std::string localUfrag, std::string localPassword,
                                 const TransportDescription& remote) {
  ice_.restart(std::move(localUfrag), std::move(localPassword), remote.iceUfrag);
}

bool WebRtcTransport::onStun(const stun::StunMessage& request, const net::SocketAddress& from,
                             int64_t nowMs) {
  ++stats_.stunRequests;
  uint8_t* out = sink_.reserve();
  auto o = ice_.handleRequest(request, from, out, net::PacketSink::kSlotSize, nowMs);
  if (o.responseSize) sink_.commit(o.responseSize, from);
  if (stats_.stunRequests <= 3)
    Logger::debug("ice: check", {{"transport", id_},
                                 {"from", from.toString()},
                                 {"valid", o.valid},
                                 {"useCandidate", request.useCandidate()},
                                 {"response", static_cast<long long>(o.responseSize)}});
  if (o.valid) {
    ++authentic_;
    addTuple(from);
  }
  if (o.selectedChanged)
    Logger::debug("ice: selected address", {{"transport", id_}, {"address", from.toString()}});
  if (o.valid && !dtlsStarted_ && role_ == dtls::DtlsRole::Client && !closed_) {
    dtlsStarted_ = true;
    dtls_->start(role_);
  }
  return o.valid;
}

void WebRtcTransport::onDtls(const uint8_t* data, size_t size, const net::SocketAddress& from) {
  (void)from;
  if (closed_) return;
  if (dtls_->released()) {
    if (dtls::DtlsTransport::looksLikeAlert(data, size)) alertSeen_ = true;
    return;
  }
  const auto before = dtls_->state();
  dtls_->receive(data, size);
  if (dtls_->state() != before)
    Logger::debug("dtls: state changed",
                  {{"transport", id_}, {"state", static_cast<long long>(dtls_->state())}});
}

void WebRtcTransport::onSrtp(uint8_t* data, size_t size, bool isRtcp,
                             const net::SocketAddress& from, int64_t nowUs) {
  (void)from;
  if (!srtpIn_ || closed_) return;
  ++stats_.packetsIn;
  stats_.bytesIn += size;
  if (isRtcp) {
    if (!srtpIn_->unprotectRtcp(data, size)) {
      ++stats_.srtpErrors;
      return;
    }
    // Authentic SRTCP or SRTP: the peer has the keys, so its handshake is over and it will
    // never retransmit its last flight (freeDtlsOnceUp).
    ++authentic_;
    if (freeDtlsOnceUp_ && !dtls_->released()) dtls_->release();
    if (listener_) listener_->onRtcp(*this, data, size, nowUs);
    return;
  }
  if (!srtpIn_->unprotectRtp(data, size)) {
    ++stats_.srtpErrors;
    return;
  }
  ++authentic_;
  if (freeDtlsOnceUp_ && !dtls_->released()) dtls_->release();
  auto packet = rtp::RtpPacket::parse(data, size);
  if (!packet) return;
  if (listener_) listener_->onRtp(*this, *packet, nowUs);
}

bool WebRtcTransport::sendRtp(uint8_t* slot, size_t size) {
  if (!srtpOut_ || !ice_.hasSelected() || closed_) return false;
  if (!srtpOut_->protectRtp(slot, size, net::PacketSink::kSlotSize)) return false;
  ++stats_.packetsOut;
  stats_.bytesOut += size;
  sink_.commit(size, ice_.selected());
  return true;
}

bool WebRtcTransport::sendRtcp(uint8_t* slot, size_t size) {
  if (!srtpOut_ || !ice_.hasSelected() || closed_) return false;
  if (!srtpOut_->protectRtcp(slot, size, net::PacketSink::kSlotSize)) return false;
  ++stats_.packetsOut;
  stats_.bytesOut += size;
  sink_.commit(size, ice_.selected());
  return true;
}

void WebRtcTransport::tick(int64_t nowMs) {
  if (closed_) return;
  // Only a handshake in progress retransmits; asking OpenSSL costs more than the rest of the
  // tick, for every transport every 10 ms.
  if (dtls_->state() == dtls::DtlsTransport::State::Connecting) {
    if (auto t = dtls_->timeout(); t && t->count() <= 0) dtls_->handleTimeout();
  }
  if (ice_.consentExpired(nowMs)) {
    close("consent expired");
    return;
  }
  if (alertSeen_) {
    if (alertSeenAtMs_ == 0) {
      alertSeenAtMs_ = nowMs;
      authenticAtAlert_ = authentic_;
    } else if (authentic_ != authenticAtAlert_) {
      alertSeen_ = false;  // still there: the alert was stray or forged
      alertSeenAtMs_ = 0;
    } else if (nowMs - alertSeenAtMs_ >= kQuietAfterAlertMs) {
      close("peer closed DTLS and went quiet");
    }
  }
}

void WebRtcTransport::onDtlsSend(const uint8_t* data, size_t size) {
  if (!ice_.hasSelected() || size > net::PacketSink::kSlotSize) return;
  uint8_t* slot = sink_.reserve();
  std::memcpy(slot, data, size);
  sink_.commit(size, ice_.selected());
}

void WebRtcTransport::onDtlsConnected(srtp::SrtpProfile profile,
                                      std::span<const uint8_t> localKeyMaterial,
                                      std::span<const uint8_t> remoteKeyMaterial) {
  std::string error;
  srtpOut_ = srtp::SrtpSession::create(profile, srtp::SrtpSession::Direction::Outbound,
                                       localKeyMaterial, &error);
  srtpIn_ = srtp::SrtpSession::create(profile, srtp::SrtpSession::Direction::Inbound,
                                      remoteKeyMaterial, &error);
  if (!srtpOut_ || !srtpIn_) {
    srtpOut_.reset();
    srtpIn_.reset();
    close("srtp setup failed: " + error);
    return;
  }
  profile_ = profile;
  Logger::info("media transport connected",
               {{"transport", id_},
                {"address", ice_.selected().toString()},
                {"srtp", profile == srtp::SrtpProfile::AeadAes128Gcm ? "AEAD_AES_128_GCM"
                                                                     : "AES_CM_128_HMAC_SHA1_80"}});
  if (listener_) listener_->onTransportConnected(*this);
}

void WebRtcTransport::onDtlsFailed(std::string_view reason) {
  close(std::string("dtls: ") + std::string(reason));
}

void WebRtcTransport::onDtlsClosed() {
  close("dtls closed by peer");
}

void WebRtcTransport::close(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  Logger::info("media transport closed", {{"transport", id_}, {"reason", std::string(reason)}});
  if (listener_) listener_->onTransportClosed(*this, reason);
}

}  // namespace parley::media
