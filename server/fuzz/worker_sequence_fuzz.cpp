// A media worker driven by sequences: datagrams (connectivity checks with valid and invalid
// credentials from many addresses, DTLS/RTP/RTCP garbage) interleaved with publications and
// subscriptions coming and going, ICE restarts, pauses and timer ticks. Everything runs on
// this thread through Worker::dispatch and the Router, with a fake clock; transports write
// into a discarding sink, and the worker's own socket only ever addresses documentation
// ranges (198.51.100.0/24, 2001:db8::/32) that a 127.0.0.1 socket cannot send to.
//
// Besides the sanitizers, the harness checks after every step that the worker's address map
// holds exactly the tuples of the live transports, and after the input that removing
// everything leaves no mapped address and no load behind.
//
// The input is a list of operations, each an opcode byte and its operands (missing operand
// bytes read as 0):
//   0 add publication      [slot] [flags: 1 setRemote, 2 DTLS client]
//   1 remove publication   [slot]
//   2 add subscription     [slot] [publication slot] [flags: 1 connected, 2 small layer]
//   3 remove subscription  [slot]
//   4 valid check          [target] [address 2] [flags: 1 USE-CANDIDATE]
//   5 burst of checks      [target] [address 2] [count]  (ports address.port + 0..count-1)
//   6 invalid check        [target] [address 2] [kind]
//   7 raw datagram         [address 2] [length] [bytes]
//   8 decrypted RTP into a publication  [slot] [length] [bytes]
//   9 decrypted RTCP from a subscriber  [slot] [length] [bytes]
//  10 tick                 [50 ms steps]
//  11 ICE restart          [target]
//  12 empty a session      [session]
//  13 pause / disable      [target] [flags]
//  14 mirror a publication on the second worker (a MediaPipe)  [slot]
//  15 subscription on the second worker, to a mirror  [slot] [publication slot] [flags]
//  16 the second worker drains its pipes
//  17 remove a mirror (its pipe on the first worker, the mirror on the second)  [slot]
// target: bit 7 set = subscription slot, else publication slot (low bits). address: [a][p]
// → host a & 63 of 198.51.100.0/24 (or 2001:db8::/32 when a & 128), ICE-TCP when a & 64,
// port 40000 + p.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../test/media/MediaTestSupport.h"
#include "media/Consumer.h"
#include "media/MediaPipe.h"
#include "media/Publication.h"
#include "media/Router.h"
#include "media/Subscription.h"
#include "media/WebRtcTransport.h"
#include "media/Worker.h"
#include "media/dtls/DtlsCertificate.h"
#include "media/net/PacketSink.h"
#include "media/net/SocketAddress.h"
#include "media/rtp/RtpPacket.h"
#include "media/stun/StunMessage.h"
#include "obs/Logger.h"

namespace {

using namespace parley::media;

constexpr size_t kPublications = 4;
constexpr size_t kSubscriptions = 6;
constexpr size_t kSessions = 2;
constexpr size_t kMaxOperations = 128;
// Per input, bursts included: enough to go well past a transport's tuple limit (and past the
// 64 addresses the worker once remembered), few enough to keep a run in milliseconds.
constexpr size_t kMaxChecks = 160;
const std::string kPassword = "fuzzpasswordfuzzpasswordfu";
const std::string kRemoteUfrag = "brws";

using parley::media::testsupport::NoEvents;

class DiscardingSink final : public net::PacketSink {
 public:
  uint8_t* reserve() override { return slot_.data(); }
  void commit(size_t, const net::SocketAddress&) override {}

 private:
  std::array<uint8_t, kSlotSize> slot_{};
};

TrackDescription videoTrack() {
  using parley::media::testsupport::codec;
  // Two layers, the second bound by rid. Each video layer's retransmission buffer costs
  // about 1.5 MB to set up, the bulk of a run's time, so there are no more.
  auto t = parley::media::testsupport::track(sdp::MediaKind::Video, "1",
                                             {codec(96, "VP8", 90000), codec(102, "H264", 90000)},
                                             {{1000, 2000, "q"}, {0, 0, "f"}});
  t.rtxPayloads[97] = 96;
  t.ext.absSendTime = 2;
  t.ext.transportCc = 3;
  t.ext.rid = 4;
  t.nack = t.pli = t.transportCc = true;
  return t;
}

TrackDescription audioTrack() {
  auto t = parley::media::testsupport::track(sdp::MediaKind::Audio, "0",
                                             {parley::media::testsupport::opus()}, {{3000, 0, ""}});
  t.ext.audioLevel = 1;
  return t;
}

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  // Up to `n` bytes (fewer at the end of the input).
  std::vector<uint8_t> bytes(size_t n) {
    n = std::min(n, size_ - std::min(pos_, size_));
    std::vector<uint8_t> out(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "worker_sequence_fuzz: invariant broken: %s\n", what);
  std::abort();
}

net::SocketAddress address(uint8_t a, uint16_t port) {
  const std::string host = std::to_string(a & 63);
  auto parsed = (a & 128) ? net::SocketAddress::parse("2001:db8::" + host, port)
                          : net::SocketAddress::parse("198.51.100." + host, port);
  if (!parsed) fail("address");
  parsed->setTcp((a & 64) != 0);
  return *parsed;
}

class Harness {
 public:
  void run(Reader& in) {
    now_ = worker_.nowUs();
    checks_ = 0;
    for (size_t n = 0; n < kMaxOperations && !in.done(); ++n) {
      step(in);
      checkInvariants();
    }
    clear();
    if (worker_.mappedAddresses() != 0) fail("addresses left after every transport went");
    if (worker_.load() != 0) fail("load left after every transport went");
    if (mirrorWorker_.load() != 0 || !mirrorWorker_.routers().empty())
      fail("something left on the mirrors' worker");
    worker_.socket().flush();
  }

 private:
  static std::string sessionId(size_t i) { return "s" + std::to_string(i); }
  // Publication slots 0 and 1 are in session 0, 2 and 3 in session 1.
  static size_t sessionOf(size_t publicationSlot) { return publicationSlot / 2 % kSessions; }
  static std::string streamId(size_t slot) { return "p" + std::to_string(slot); }
  static std::string subscriberId(size_t slot) { return "u" + std::to_string(slot); }
  std::string publicationUfrag(size_t slot) const {
    return "pf" + std::to_string(slot) + "g" + std::to_string(publicationGen_[slot]);
  }
  std::string subscriptionUfrag(size_t slot) const {
    return "sf" + std::to_string(slot) + "g" + std::to_string(subscriptionGen_[slot]);
  }

  Router* router(size_t session) { return worker_.findRouter(sessionId(session)); }
  Router* mirrorRouter(size_t session) { return mirrorWorker_.findRouter(sessionId(session)); }
  Publication* mirror(size_t slot) {
    Router* r = mirrorRouter(sessionOf(slot));
    return r ? r->publication(streamId(slot)) : nullptr;
  }
  Publication* publication(size_t slot) {
    Router* r = router(sessionOf(slot));
    return r ? r->publication(streamId(slot)) : nullptr;
  }
  Subscription* subscription(size_t slot, Router** in = nullptr) {
    for (size_t i = 0; i < kSessions; ++i) {
      for (Router* r : {router(i), mirrorRouter(i)}) {
        if (!r) continue;
        if (Subscription* s = r->subscription(subscriberId(slot))) {
          if (in) *in = r;
          return s;
        }
      }
    }
    return nullptr;
  }
  // The transport a target byte names, and the ufrag its checks must carry.
  WebRtcTransport* target(uint8_t t, std::string& ufrag) {
    if (t & 0x80) {
      const size_t slot = (t & 0x7F) % kSubscriptions;
      ufrag = subscriptionUfrag(slot);
      Subscription* s = subscription(slot);
      return s ? &s->transport() : nullptr;
    }
    const size_t slot = (t & 0x7F) % kPublications;
    ufrag = publicationUfrag(slot);
    Publication* p = publication(slot);
    return p ? &p->transport() : nullptr;
  }

  void dispatch(std::vector<uint8_t>& datagram, const net::SocketAddress& from) {
    worker_.dispatch(datagram.data(), datagram.size(), from);
  }

  void sendCheck(const std::string& username, const std::string& password, bool useCandidate,
                 const net::SocketAddress& from) {
    if (checks_++ >= kMaxChecks) return;
    // A burst repeats one request: it is built (two HMACs and a CRC) once.
    if (username != lastUsername_ || password != lastPassword_ ||
        useCandidate != lastUseCandidate_ || lastCheck_.empty()) {
      lastUsername_ = username;
      lastPassword_ = password;
      lastUseCandidate_ = useCandidate;
      std::array<uint8_t, stun::StunMessage::kTransactionIdSize> txid{};
      std::memcpy(txid.data(), &checks_, sizeof checks_);
      lastCheck_.assign(512, 0);
      lastCheck_.resize(stun::StunMessage::buildBindingRequest(
          lastCheck_.data(), lastCheck_.size(), txid.data(), username, password, 0x6E0001FF,
          useCandidate, 0x0102030405060708ull));
    }
    if (lastCheck_.empty()) return;
    std::vector<uint8_t> buffer = lastCheck_;
    dispatch(buffer, from);
  }

  void addPublication(Reader& in) {
    const size_t slot = in.byte() % kPublications;
    const uint8_t flags = in.byte();
    if (publication(slot)) return;
    ++publicationGen_[slot];
    Router& r = worker_.router(sessionId(sessionOf(slot)));
    auto transport = std::make_unique<WebRtcTransport>(
        "pub:" + streamId(slot), publicationUfrag(slot), kPassword, certificate_, sink_);
    // Only slot 0 publishes video: setting up a video layer (its retransmission buffer) costs
    // more than the rest of a run. Subscriptions to the others have no video consumer.
    std::vector<TrackDescription> tracks{audioTrack()};
    if (slot == 0) tracks.push_back(videoTrack());
    Publication& p = r.addPublication(
        std::make_unique<Publication>(r, streamId(slot), std::move(tracks), std::move(transport)));
    if (flags & 1) p.transport().setRemote(remote(flags & 2));
  }

  TransportDescription remote(bool dtlsClient) const {
    TransportDescription d;
    d.iceUfrag = kRemoteUfrag;
    d.icePassword = kPassword;
    d.fingerprintHash = "sha-256";
    d.fingerprint = certificate_->fingerprintSha256();
    d.dtlsRole = dtlsClient ? dtls::DtlsRole::Client : dtls::DtlsRole::Server;
    return d;
  }

  void addMirror(size_t slot) {
    Publication* p = publication(slot);
    if (!p || mirror(slot)) return;
    auto pipe = std::make_shared<MediaPipe>();
    // The origin is on this thread here; the Sfu posts to the origin's worker instead.
    pipe->requestKeyframe = [this, slot](size_t layer) {
      if (Publication* origin = publication(slot)) origin->requestKeyFrame(layer, now_);
    };
    std::vector<TrackDescription> tracks;
    for (auto& producer : p->producers()) tracks.push_back(producer->track());
    Router& m = mirrorWorker_.router(sessionId(sessionOf(slot)));
    m.addPublication(std::make_unique<Publication>(m, streamId(slot), std::move(tracks), pipe));
    router(sessionOf(slot))->addPipe(streamId(slot), slot + 1, pipe);
  }

  void removeMirror(size_t slot) {
    if (Router* r = router(sessionOf(slot))) r->removePipe(slot + 1);
    if (Router* m = mirrorRouter(sessionOf(slot))) m->removePublication(streamId(slot));
  }

  void drainMirrors() {
    mirrorWorker_.io().restart();
    mirrorWorker_.io().poll();
  }

  void addSubscription(Reader& in, bool onMirror = false) {
    const size_t slot = in.byte() % kSubscriptions;
    const size_t pubSlot = in.byte() % kPublications;
    const uint8_t flags = in.byte();
    Publication* p = onMirror ? mirror(pubSlot) : publication(pubSlot);
    if (!p || subscription(slot)) return;
    ++subscriptionGen_[slot];
    Router& r = onMirror ? *mirrorRouter(sessionOf(pubSlot)) : *router(sessionOf(pubSlot));
    std::vector<std::unique_ptr<Consumer>> consumers;
    uint32_t ssrc = 5000 + static_cast<uint32_t>(slot) * 10;
    for (auto& producer : p->producers())
      consumers.push_back(std::make_unique<Consumer>(*producer, ssrc++, "track"));
    auto transport = std::make_unique<WebRtcTransport>(
        "sub:" + subscriberId(slot), subscriptionUfrag(slot), kPassword, certificate_, sink_);
    Subscription& s = r.addSubscription(std::make_unique<Subscription>(
        r, subscriberId(slot), *p, std::move(transport), std::move(consumers)));
    s.transport().setRemote(remote(false));
    if (flags & 1) s.onTransportConnected(s.transport());
    if (flags & 2) s.setPreferredSize(160, 120, 640);
  }

  void step(Reader& in) {
    switch (in.byte() % 18) {
      case 0:
        addPublication(in);
        break;
      case 1: {
        const size_t slot = in.byte() % kPublications;
        if (Router* r = router(sessionOf(slot))) r->removePublication(streamId(slot));
        break;
      }
      case 2:
        addSubscription(in);
        break;
      case 3: {
        Router* r = nullptr;
        const size_t slot = in.byte() % kSubscriptions;
        if (subscription(slot, &r)) r->removeSubscription(subscriberId(slot));
        break;
      }
      case 4: {
        std::string ufrag;
        target(in.byte(), ufrag);
        const uint8_t a = in.byte();
        const uint8_t port = in.byte();
        const uint8_t flags = in.byte();
        sendCheck(ufrag + ":" + kRemoteUfrag, kPassword, flags & 1,
                  address(a, static_cast<uint16_t>(40000 + port)));
        break;
      }
      case 5: {
        std::string ufrag;
        target(in.byte(), ufrag);
        const uint8_t a = in.byte();
        const uint8_t port = in.byte();
        const uint8_t count = in.byte();
        for (unsigned k = 0; k < count; ++k)
          sendCheck(ufrag + ":" + kRemoteUfrag, kPassword, false,
                    address(a, static_cast<uint16_t>(40000 + port + k)));
        break;
      }
      case 6: {
        std::string ufrag;
        target(in.byte(), ufrag);
        const uint8_t a = in.byte();
        const uint8_t port = in.byte();
        const net::SocketAddress from = address(a, static_cast<uint16_t>(40000 + port));
        switch (in.byte() % 5) {
          case 0:
            sendCheck(ufrag + ":" + kRemoteUfrag, "wrongpassword", false, from);
            break;
          case 1:
            sendCheck("nobody:" + kRemoteUfrag, kPassword, false, from);
            break;
          case 2:
            sendCheck(ufrag + ":other", kPassword, true, from);
            break;
          case 3:
            sendCheck(ufrag + ":" + kRemoteUfrag, "", false, from);  // no integrity
            break;
          default:
            sendCheck(ufrag, kPassword, true, from);  // no colon
        }
        break;
      }
      case 7: {
        const uint8_t a = in.byte();
        const uint8_t port = in.byte();
        auto datagram = in.bytes(in.byte());
        if (!datagram.empty()) dispatch(datagram, address(a, static_cast<uint16_t>(40000 + port)));
        break;
      }
      case 8: {
        Publication* p = publication(in.byte() % kPublications);
        auto bytes = in.bytes(in.byte());
        bytes.resize(std::max<size_t>(bytes.size(), 12));
        bytes[0] = static_cast<uint8_t>((bytes[0] & 0x3F) | 0x80);  // version 2
        auto packet = rtp::RtpPacket::parse(bytes.data(), bytes.size());
        if (p && packet) p->onRtp(p->transport(), *packet, now_);
        break;
      }
      case 9: {
        Subscription* s = subscription(in.byte() % kSubscriptions);
        auto bytes = in.bytes(in.byte());
        if (s && !bytes.empty()) s->onRtcp(s->transport(), bytes.data(), bytes.size(), now_);
        break;
      }
      case 10: {
        now_ += static_cast<int64_t>(in.byte()) * 50000;
        for (size_t i = 0; i < kSessions; ++i)
          if (Router* r = router(i)) r->tick(now_);
        break;
      }
      case 11: {
        const uint8_t t = in.byte();
        std::string ufrag;
        WebRtcTransport* transport = target(t, ufrag);
        if (!transport) break;
        // As the Sfu does: new local credentials, registered under the new ufrag.
        if (t & 0x80)
          ++subscriptionGen_[(t & 0x7F) % kSubscriptions];
        else
          ++publicationGen_[(t & 0x7F) % kPublications];
        target(t, ufrag);
        transport->restartIce(ufrag, kPassword, remote(false));
        // On the worker that owns it (a subscription may live on the mirrors' worker).
        Router* owner = nullptr;
        if (t & 0x80) subscription((t & 0x7F) % kSubscriptions, &owner);
        (owner ? owner->worker() : worker_).registerTransport(transport);
        break;
      }
      case 12:
        emptySession(in.byte() % kSessions);
        break;
      case 14:
        addMirror(in.byte() % kPublications);
        break;
      case 15:
        addSubscription(in, true);
        break;
      case 16:
        drainMirrors();
        break;
      case 17:
        removeMirror(in.byte() % kPublications);
        break;
      case 13: {
        const uint8_t t = in.byte();
        const uint8_t flags = in.byte();
        const auto kind = (flags & 1) ? sdp::MediaKind::Video : sdp::MediaKind::Audio;
        if (t & 0x80) {
          if (Subscription* s = subscription((t & 0x7F) % kSubscriptions)) {
            s->setEnabled(kind, flags & 2);
            // The frame-rate cap and audio fallback change what the consumers forward too.
            s->setFrameRate(flags >> 3, flags & 4);
            s->setVideoFallback(flags & 8);
          }
        } else if (Publication* p = publication((t & 0x7F) % kPublications)) {
          p->setPaused(kind, flags & 2);
        }
        break;
      }
    }
  }

  void emptySession(size_t session) {
    if (Router* m = mirrorRouter(session)) {
      std::vector<std::string> ids;
      for (auto& [id, s] : m->subscriptions()) ids.push_back(id);
      for (auto& id : ids) m->removeSubscription(id);
      ids.clear();
      for (auto& [id, p] : m->publications()) ids.push_back(id);
      for (auto& id : ids) m->removePublication(id);
      mirrorWorker_.removeRouterIfEmpty(sessionId(session));
    }
    Router* r = router(session);
    if (!r) return;
    std::vector<std::string> ids;
    for (auto& [id, s] : r->subscriptions()) ids.push_back(id);
    for (auto& id : ids) r->removeSubscription(id);
    ids.clear();
    for (auto& [id, p] : r->publications()) ids.push_back(id);
    for (auto& id : ids) r->removePublication(id);
    worker_.removeRouterIfEmpty(sessionId(session));
  }

  void clear() {
    for (size_t i = 0; i < kSessions; ++i) emptySession(i);
  }

  // Every tuple of every live transport maps to it, and nothing else is mapped.
  void checkInvariants() {
    size_t tuples = 0;
    size_t transports = 0;
    auto check = [&](WebRtcTransport& t) {
      ++transports;
      if (t.tupleCount() > WebRtcTransport::kMaxTuples) fail("too many tuples");
      for (size_t i = 0; i < t.tupleCount(); ++i)
        if (worker_.transportAt(t.tuple(i)) != &t) fail("a tuple is not mapped to its transport");
      tuples += t.tupleCount();
    };
    for (auto& [sid, r] : worker_.routers()) {
      for (auto& [id, p] : r->publications()) {
        if (p->mirrored()) fail("a mirror on the origin's worker");
        check(p->transport());
      }
      for (auto& [id, s] : r->subscriptions()) check(s->transport());
    }
    if (tuples != worker_.mappedAddresses()) fail("the worker maps an address no transport has");
    if (transports != worker_.load()) fail("load differs from the registered transports");
    // The second worker: only mirrors (no transport) and subscriptions.
    tuples = transports = 0;
    for (auto& [sid, r] : mirrorWorker_.routers()) {
      for (auto& [id, p] : r->publications())
        if (!p->mirrored() || p->hasTransport()) fail("a publication on the mirrors' worker");
      for (auto& [id, s] : r->subscriptions()) check(s->transport());
    }
    if (transports != mirrorWorker_.load()) fail("mirror worker load differs");
  }

  NoEvents events_;
  Worker worker_{0, Worker::Settings{}, events_};
  Worker mirrorWorker_{1, Worker::Settings{}, events_};
  DiscardingSink sink_;
  std::shared_ptr<const dtls::DtlsCertificate> certificate_ = dtls::DtlsCertificate::generate();
  std::array<unsigned, kPublications> publicationGen_{};
  std::array<unsigned, kSubscriptions> subscriptionGen_{};
  int64_t now_ = 0;
  uint64_t checks_ = 0;
  std::string lastUsername_, lastPassword_;
  bool lastUseCandidate_ = false;
  std::vector<uint8_t> lastCheck_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* harness = [] {
    parley::obs::Logger::setLevel(parley::obs::Logger::Level::Error);
    return new Harness();  // one worker (and socket) for the whole run
  }();
  Reader in(data, size);
  harness->run(in);
  return 0;
}
